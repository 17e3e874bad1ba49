package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/topology"
)

// A change that adds or removes nodes and segments is applied in place:
// the networks and containers it adds are made as up completes a
// topology that runs in part; the nodes that stay are attached to their
// new networks, their agents told their new config (agent.VerbReconfig)
// and their routes installed again by the route helper; then the nodes
// and networks it removes go. Untouched nodes run on, with their
// counters.

// reconfiguration is what a change does in place to the nodes that stay,
// and what it removes.
type reconfiguration struct {
	connect    map[string][]string // by node: segments to attach it to
	disconnect map[string][]string // by node: segments to detach it from
	agents     []string            // nodes whose agent takes a new config, in plan order
	routes     []string            // nodes whose routes are installed again
	nodes      []string            // nodes removed
	segments   []string            // segments removed
	connected  [][2]string         // (node, segment) attached so far, undone when up fails
}

func (r *reconfiguration) empty() bool {
	return len(r.connect)+len(r.disconnect)+len(r.agents)+len(r.routes)+len(r.nodes)+len(r.segments) == 0
}

// reconfigurationOf is what ch does in place to what runs (ob) to make
// it p.
func reconfigurationOf(ch *Change, p *topology.Plan, ob *observed) *reconfiguration {
	r := &reconfiguration{connect: map[string][]string{}, disconnect: map[string][]string{}}
	for _, op := range ch.Operations {
		switch {
		case op.Op == OpRemove && op.On == OnNode:
			r.nodes = append(r.nodes, op.Name)
		case op.Op == OpRemove && op.On == OnSegment:
			r.segments = append(r.segments, op.Name)
		}
	}
	for _, n := range p.Nodes {
		if !slices.Contains(ch.Reconfigure, n.Name) {
			continue
		}
		r.routes = append(r.routes, n.Name)
		if n.Image == "" {
			r.agents = append(r.agents, n.Name)
		}
		c := ob.containers[n.Name]
		for _, seg := range sortedKeys(n.Addresses) {
			if _, on := c.Networks[engine.NetworkName(p.Name, seg)]; !on {
				r.connect[n.Name] = append(r.connect[n.Name], seg)
			}
		}
		for _, seg := range r.segments {
			if _, on := c.Networks[engine.NetworkName(p.Name, seg)]; on {
				r.disconnect[n.Name] = append(r.disconnect[n.Name], seg)
			}
		}
	}
	return r
}

// adopt takes out of the completion what the reconfiguration does
// instead: a node that stays is attached to its new networks, not made
// again, and a node the change removes is no reason to refuse.
func (c *completion) adopt(r *reconfiguration) {
	c.replace = slices.DeleteFunc(c.replace, func(n string) bool { return len(r.connect[n]) > 0 })
	c.blocked = slices.DeleteFunc(c.blocked, func(b string) bool {
		return slices.ContainsFunc(r.nodes, func(n string) bool { return b == "node "+n+" runs but is not in the plan" })
	})
}

// reconfigure attaches the nodes that stay to their new networks, at
// their planned addresses, and tells their agents their new configs,
// those of specs; then installs their routes again and rewrites their
// hosts files (change_hosts.go).
func (u *upRun) reconfigure(ctx context.Context, r *reconfiguration, ob *observed, specs map[string]engine.ContainerSpec, image string) error {
	for _, n := range sortedKeys(r.connect) {
		pn, _ := u.d.Plan.Node(n)
		for _, seg := range r.connect[n] {
			err := u.o.rt.ConnectNetwork(ctx, engine.NetworkName(u.name, seg), ob.containers[n].ID, pn.Addresses[seg])
			if err != nil {
				return fmt.Errorf("attach %s to %s: %w", n, seg, err)
			}
			r.connected = append(r.connected, [2]string{n, seg})
		}
	}
	err := boundedEach(ctx, u.opts.MaxWorkers, r.routes, func(ctx context.Context, n string) error {
		c := ob.containers[n]
		cfg, err := specConfig(specs[n])
		if err != nil {
			return err
		}
		cmd, err := agent.ReconfigCommand(cfg)
		if err != nil {
			return err
		}
		// A stopped agent is given it when it starts (giveBackConfigs).
		if slices.Contains(r.agents, n) && runsAgent(c) {
			if err := u.o.execAgent(ctx, c, cmd); err != nil {
				return fmt.Errorf("give %s its new config: %w", n, err)
			}
		}
		u.keepConfig(n, c.ID, cmd[len(cmd)-1])
		return nil
	})
	if err != nil {
		return err
	}
	var running []string
	for _, n := range r.routes {
		if ob.containers[n].State == "running" { // one stopped is given its routes and hosts when it starts
			running = append(running, n)
		}
	}
	err = boundedEach(ctx, u.opts.MaxWorkers, running, func(ctx context.Context, n string) error {
		return u.installRoutes(ctx, n, image)
	})
	if err != nil {
		return err
	}
	return u.o.rewriteHosts(ctx, u.d.Plan, running, r.nodes, image, u.runID)
}

// undoConnects detaches the nodes that stay from the networks this up
// attached them to, when it fails: its rollback removes the networks it
// made, which a node still attached would keep.
func (u *upRun) undoConnects(ctx context.Context, r *reconfiguration, ob *observed) {
	for _, c := range r.connected {
		_ = u.o.rt.DisconnectNetwork(ctx, engine.NetworkName(u.name, c[1]), ob.containers[c[0]].ID) // best effort: the failure is what up reports
	}
}

// removeGone removes the nodes the change removes, detaches the nodes that
// stay from the segments it removes, and removes those.
func (u *upRun) removeGone(ctx context.Context, r *reconfiguration, ob *observed) error {
	for _, n := range r.nodes {
		if err := u.o.rt.RemoveContainer(ctx, ob.containers[n].ID); err != nil && !errors.Is(err, engine.ErrNotFound) {
			return fmt.Errorf("remove %s: %w", ob.containers[n].Name, err)
		}
	}
	for _, n := range sortedKeys(r.disconnect) {
		for _, seg := range r.disconnect[n] {
			err := u.o.rt.DisconnectNetwork(ctx, engine.NetworkName(u.name, seg), ob.containers[n].ID)
			if err != nil && !errors.Is(err, engine.ErrNotFound) {
				return fmt.Errorf("detach %s from %s: %w", n, seg, err)
			}
		}
	}
	for _, seg := range r.segments {
		net, ok := ob.networks[seg]
		if !ok {
			continue
		}
		if err := u.o.rt.RemoveNetwork(ctx, net.ID); err != nil && !errors.Is(err, engine.ErrNotFound) {
			return fmt.Errorf("remove network %s: %w", net.Name, err)
		}
	}
	return nil
}

// specConfig is the agent config a container spec carries.
func specConfig(s engine.ContainerSpec) (*agent.Config, error) {
	for _, kv := range s.Env {
		if v, ok := strings.CutPrefix(kv, agent.ConfigEnv+"="); ok {
			return agent.ParseConfig([]byte(v))
		}
	}
	return nil, fmt.Errorf("container %s has no %s", s.Name, agent.ConfigEnv)
}

// keepConfig notes the config a node that stays has now, for the marker:
// its agent took it, or it runs a user's image, which reads none.
func (u *upRun) keepConfig(node, id, js string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.configs == nil {
		u.configs = map[string]appliedResource{}
	}
	u.configs[node] = appliedResource{ID: id, Spec: js}
}

// giveBackConfigs hands the agents of nodes just started again the configs
// they took as they ran, which the marker keeps: an agent starts with the
// config its container was made with, which a change in place made old.
func (o *Orchestrator) giveBackConfigs(ctx context.Context, l *live, nodes []string) error {
	st, err := o.readApplied(ctx, l.plan.Name)
	if err != nil || st == nil {
		return err
	}
	for _, c := range l.containers {
		n := c.Labels[engine.LabelNode]
		r, ok := st.Configs[n]
		if !ok || r.ID != c.ID || !slices.Contains(nodes, n) || !runsAgent(c) {
			continue
		}
		if err := o.execAgent(ctx, c, []string{agent.Path, agent.VerbReconfig, r.Spec}); err != nil {
			return fmt.Errorf("give %s back its config: %w", n, err)
		}
	}
	return nil
}

// configOf is the config a node's agent runs with: the one it took as it
// ran, which the marker keeps, or the one its container was made with.
func (st *appliedState) configOf(full engine.ContainerInfo) *agent.Config {
	if st != nil {
		if r, ok := st.Configs[full.Labels[engine.LabelNode]]; ok && r.ID == full.ID {
			if cfg, err := agent.ParseConfig([]byte(r.Spec)); err == nil {
				return cfg
			}
		}
	}
	return nodeConfig(full)
}

// beforeReconfigure reads what runs before a change in place reconfigures
// the nodes that stay, for undoReconfigure; nil when it reconfigures none.
func (o *Orchestrator) beforeReconfigure(ctx context.Context, name string, r *reconfiguration) (*live, error) {
	if len(r.routes) == 0 {
		return nil, nil
	}
	return o.readLive(ctx, name)
}

// undoReconfigure hands the nodes that stay, when an up fails after it
// reconfigured them, what they had before (was): their agents their old
// configs, their old routes and hosts files; made, the nodes that were to
// come are removed by the rollback. Best effort: the failure is what up
// reports, and an up of the file again applies the change anew.
func (u *upRun) undoReconfigure(ctx context.Context, was *live, r *reconfiguration, made []string, image string) {
	if was == nil {
		return
	}
	var running []string
	for i, c := range was.containers {
		n := c.Labels[engine.LabelNode]
		if !slices.Contains(r.routes, n) || c.State != "running" {
			continue
		}
		running = append(running, n)
		if cfg := was.nodes[i].Config; cfg != nil && runsAgent(c) {
			if cmd, err := agent.ReconfigCommand(cfg); err == nil {
				if err := u.o.execAgent(ctx, c, cmd); err != nil {
					u.o.log.Warn("give a node back its config", "node", n, "err", err)
				}
			}
		}
	}
	if err := u.o.installRoutesOf(ctx, was, image, running, ""); err != nil {
		u.o.log.Warn("install the old routes again", "err", err)
	}
	if err := u.o.rewriteHosts(ctx, was.plan, running, made, image, ""); err != nil {
		u.o.log.Warn("rewrite the old hosts files", "err", err)
	}
}
