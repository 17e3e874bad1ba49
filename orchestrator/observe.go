package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/topology"
)

// observed is what of a topology runs on the engine, read from labels:
// the first step of reconciling it with its plan (observe, desire, diff,
// execute).
type observed struct {
	containers map[string]engine.ContainerInfo // by node
	networks   map[string]engine.NetworkInfo   // by segment
	// helpers are route helpers an interrupted up left behind, by node:
	// that node's routes may not be installed.
	helpers map[string]engine.ContainerInfo
}

// empty reports whether nothing of the topology exists.
func (ob *observed) empty() bool { return len(ob.containers) == 0 && len(ob.networks) == 0 }

// observe reads a topology's containers, networks and leftover route
// helpers from their labels.
func (o *Orchestrator) observe(ctx context.Context, name string) (*observed, error) {
	cs, ns, err := o.existing(ctx, name)
	if err != nil {
		return nil, err
	}
	hs, err := o.rt.ListContainers(ctx, map[string]string{engine.LabelHelper: name})
	if err != nil {
		return nil, err
	}
	ob := &observed{containers: map[string]engine.ContainerInfo{}, networks: map[string]engine.NetworkInfo{}, helpers: map[string]engine.ContainerInfo{}}
	for _, c := range cs {
		ob.containers[c.Labels[engine.LabelNode]] = c
	}
	for _, n := range ns {
		ob.networks[n.Labels[engine.LabelSegment]] = n
	}
	for _, h := range hs {
		if _, ok := h.Labels[engine.LabelApplied]; ok {
			st, err := parseApplied(h)
			if err != nil {
				return nil, err
			}
			st.apply(ob)
			continue
		}
		node := h.Labels[engine.LabelNode]
		if isRouteHelper(name, node, h) && !o.helperDone(ctx, h) {
			ob.helpers[node] = h
		}
	}
	return ob, nil
}

// helperDone reports whether a route helper ran to success: a compose
// project keeps its route helpers so, exited 0, with the routes in place;
// topo up removes its own once they have.
func (o *Orchestrator) helperDone(ctx context.Context, h engine.ContainerInfo) bool {
	if h.State != "exited" {
		return false
	}
	full, err := o.rt.ContainerByName(ctx, h.Name)
	return err == nil && full.ExitCode == 0
}

// isRouteHelper tells a node's route helper from fault markers, event
// records and packet filter helpers, which carry the same topo.helper label.
func isRouteHelper(name, node string, h engine.ContainerInfo) bool {
	_, fault := h.Labels[engine.LabelFault]
	_, event := h.Labels[engine.LabelEvent]
	return !fault && !event && node != "" && h.Name == engine.ContainerName(name, node)+"-routes"
}

// sameFile fails when what runs under the name came from another file. A
// topology from another version of the same file is changed in place
// where up can (changeToApply).
func (ob *observed) sameFile(name, file string) error {
	for _, node := range sortedKeys(ob.containers) {
		if f := ob.containers[node].Labels[engine.LabelFile]; f != file {
			return fmt.Errorf("up %s: %w from %s; run `topo down %s` first, or pick another name with --name", name, ErrAlreadyRunning, f, name)
		}
	}
	for _, seg := range sortedKeys(ob.networks) {
		if f := ob.networks[seg].Labels[engine.LabelFile]; f != "" && f != file {
			return fmt.Errorf("up %s: %w from %s; run `topo down %s` first, or pick another name with --name", name, ErrAlreadyRunning, f, name)
		}
	}
	return nil
}

// completion is what a running topology lacks of its plan: the diff that
// up executes to complete it.
type completion struct {
	networks []string // segments without a network: create them
	create   []string // nodes without a container: create, start, route
	replace  []string // nodes whose container lacks a network of theirs: remove, then as create
	start    []string // nodes created and never started: start, route
	routes   []string // running nodes whose route helper did not finish: route again
	// blocked says what cannot be completed in place, and why.
	blocked []string
	// idle are nodes stopped or paused, with their state: a node fault
	// (or a crash) that up leaves as it is.
	idle []string
}

// empty reports whether there is nothing to do.
func (c *completion) empty() bool {
	return len(c.networks)+len(c.create)+len(c.replace)+len(c.start)+len(c.routes) == 0
}

// changed are the nodes the completion touches, in plan order: those it
// waits for.
func (c *completion) changed(p *topology.Plan) []string {
	var out []string
	for _, n := range p.Nodes {
		if slices.Contains(c.create, n.Name) || slices.Contains(c.replace, n.Name) ||
			slices.Contains(c.start, n.Name) || slices.Contains(c.routes, n.Name) {
			out = append(out, n.Name)
		}
	}
	return out
}

// diff compares what runs with the plan.
func diff(p *topology.Plan, ob *observed) *completion {
	c := &completion{}
	for _, s := range p.Segments {
		n, ok := ob.networks[s.Name]
		switch {
		case !ok:
			c.networks = append(c.networks, s.Name)
		case len(n.Subnets) == 0 || n.Subnets[0] != s.Subnet:
			c.blocked = append(c.blocked, fmt.Sprintf("segment %s runs on %v, where the plan now puts it on %s", s.Name, n.Subnets, s.Subnet))
		}
	}
	for _, n := range p.Nodes {
		ci, ok := ob.containers[n.Name]
		if !ok {
			c.create = append(c.create, n.Name)
			continue
		}
		if len(lackedNetworks(p.Name, n, ci)) > 0 {
			c.replace = append(c.replace, n.Name)
			continue
		}
		_, helperLeft := ob.helpers[n.Name]
		switch ci.State {
		case "created":
			c.start = append(c.start, n.Name)
		case "running":
			if helperLeft {
				c.routes = append(c.routes, n.Name)
			}
		default:
			c.idle = append(c.idle, n.Name+" is "+ci.State)
		}
	}
	for node := range ob.containers {
		if _, ok := p.Node(node); !ok {
			c.blocked = append(c.blocked, fmt.Sprintf("node %s runs but is not in the plan", node))
		}
	}
	slices.Sort(c.blocked)
	return c
}

// lackedNetworks says how a node's container is not on its networks as
// planned: not attached to one (disconnected, or the network removed), or
// attached at another address (connected again without it).
func lackedNetworks(topology string, n topology.PlanNode, c engine.ContainerInfo) []string {
	want := map[string]string{}
	for seg, a := range n.Addresses {
		want[seg] = a.String()
	}
	return miswired(topology, want, c)
}

// miswired compares a container's attachments with the addresses it is
// planned at, by segment; an address that is no IP (an engine that picks
// them) is not compared.
func miswired(topology string, want map[string]string, c engine.ContainerInfo) []string {
	var out []string
	for _, seg := range sortedKeys(want) {
		net := engine.NetworkName(topology, seg)
		have, ok := c.Networks[net]
		planned, err := netip.ParseAddr(want[seg])
		switch {
		case !ok:
			out = append(out, "not on network "+net)
		case err == nil && have.IsValid() && have != planned:
			out = append(out, fmt.Sprintf("on network %s at %s, not at %s", net, have, planned))
		}
	}
	return out
}

// lines says what the completion does, one line a step, as up prints it.
func (c *completion) lines(name string) []string {
	var out []string
	add := func(format string, items []string) {
		for _, it := range items {
			out = append(out, fmt.Sprintf(format, it))
		}
	}
	for _, seg := range c.networks {
		out = append(out, "+ network "+engine.NetworkName(name, seg))
	}
	add("+ node %s", c.create)
	add("~ node %s (recreated: it had lost a network)", c.replace)
	add("> node %s (started: an interrupted up had created it)", c.start)
	add("~ routes of %s (an interrupted up left them unfinished)", c.routes)
	return out
}

// blockedError says what up cannot complete in place, and what to run.
func (c *completion) blockedError(name, file string) error {
	return fmt.Errorf("up %s: it runs, but cannot be completed in place: %s; run `topo down %s` and `topo up %s`",
		name, strings.Join(c.blocked, "; "), name, file)
}

// nodeConfig is the config a node's container was handed, or nil.
func nodeConfig(full engine.ContainerInfo) *agent.Config {
	for _, kv := range full.Env {
		if v, ok := strings.CutPrefix(kv, agent.ConfigEnv+"="); ok {
			if cfg, err := agent.ParseConfig([]byte(v)); err == nil {
				return cfg
			}
		}
	}
	return nil
}

// missingNodes are the nodes of a topology's plan that have no container:
// removed behind topo's back, or never made by an interrupted up. The plan
// is read from the first node's config that can be read, which names every
// node it has a route to, and the nodes running users' images.
func (o *Orchestrator) missingNodes(ctx context.Context, cs []engine.ContainerInfo) []string {
	have := map[string]bool{}
	for _, c := range cs {
		have[c.Labels[engine.LabelNode]] = true
	}
	var st *appliedState
	if len(cs) > 0 {
		st, _ = o.readApplied(ctx, cs[0].Labels[engine.LabelTopology]) // without it, the configs the containers were made with
	}
	for _, c := range cs {
		full, err := o.rt.ContainerByName(ctx, c.Name)
		if err != nil {
			continue
		}
		cfg := st.configOf(full)
		if cfg == nil {
			continue
		}
		planned := append(append([]string{cfg.Name}, sortedKeys(cfg.Routes)...), cfg.Foreign...)
		for _, nb := range cfg.Neighbors {
			planned = append(planned, nb.Name)
		}
		var out []string
		for _, n := range planned {
			if !have[n] {
				have[n] = true
				out = append(out, n)
			}
		}
		slices.Sort(out)
		return out
	}
	return nil
}

// ifMissing is err, for a node not found among cs, unless the node is
// planned and has no container: then it says so, and how to recreate it.
func (o *Orchestrator) ifMissing(ctx context.Context, cs []engine.ContainerInfo, node string, err error) error {
	if !errors.Is(err, ErrNoNode) || len(cs) == 0 || !slices.Contains(o.missingNodes(ctx, cs), node) {
		return err
	}
	return fmt.Errorf("node %s is %s (removed outside topo); run `topo up %s` to recreate it: %w",
		node, StateMissing, cs[0].Labels[engine.LabelFile], ErrNoNode)
}
