package orchestrator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/topology"
)

// changeFaults brings a topology from the faults in force to those change
// makes of them: it keeps the new set in marker containers, and rewrites
// the packet filters of every running node whose filters differ.
func (o *Orchestrator) changeFaults(ctx context.Context, name string, change func(plan *topology.Plan, in []Fault) ([]Fault, error)) ([]Fault, error) {
	l, err := o.readLive(ctx, name)
	if err != nil {
		return nil, err
	}
	plan := l.plan
	before, err := o.Faults(ctx, name)
	if err != nil {
		return nil, err
	}
	after, err := change(plan, slices.Clone(before))
	if err != nil {
		return nil, err
	}
	image, err := o.NodeImage(ctx)
	if err != nil {
		return nil, err
	}
	if err := o.keepFaults(ctx, name, image, before, after); err != nil {
		return nil, err
	}
	m := macs(l)
	old, now := filterRules(plan, before, m), filterRules(plan, after, m)
	var changed []string
	for _, n := range plan.Nodes {
		if !slices.Equal(old[n.Name], now[n.Name]) {
			changed = append(changed, n.Name)
		}
	}
	return after, o.applyFilters(ctx, l, image, changed, now)
}

// keepFaults makes the markers say after: it removes those of faults
// lifted and creates those of faults new.
func (o *Orchestrator) keepFaults(ctx context.Context, name, image string, before, after []Fault) error {
	keys := func(fs []Fault) map[string]Fault {
		m := map[string]Fault{}
		for _, f := range fs {
			m[f.key()] = f
		}
		return m
	}
	was, is := keys(before), keys(after)
	for k, f := range was {
		if g, ok := is[k]; ok && faultEqual(f, g) {
			continue
		}
		err := o.rt.RemoveContainer(ctx, markerName(name, k))
		if err != nil && !errors.Is(err, engine.ErrNotFound) {
			return fmt.Errorf("lift %s: %w", f, err)
		}
	}
	for k, f := range is {
		if g, ok := was[k]; ok && faultEqual(f, g) {
			continue
		}
		js, err := json.Marshal(f)
		if err != nil {
			return err
		}
		spec := engine.ContainerSpec{Name: markerName(name, k), Hostname: "fault", Image: image,
			Labels: map[string]string{engine.LabelHelper: name, engine.LabelFault: string(js)}}
		if _, err := o.rt.CreateContainer(ctx, spec); err != nil {
			return fmt.Errorf("keep %s: %w", f, err)
		}
	}
	return nil
}

func faultEqual(a, b Fault) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// markerName is the container that keeps a fault: never started.
func markerName(topology, key string) string { return topology + "-fault-" + key }

// macs are every node's link-layer addresses, by segment.
func macs(l *live) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, c := range l.containers {
		bySeg := map[string]string{}
		for _, s := range l.plan.Segments {
			if mac, ok := c.MACs[engine.NetworkName(l.plan.Name, s.Name)]; ok {
				bySeg[s.Name] = mac
			}
		}
		out[c.Labels[engine.LabelNode]] = bySeg
	}
	return out
}

// filterRules are the packet filters the faults make of each node: for a
// cut pair, each end drops what the other sends it on every segment they
// share; for a lossy pair, a share of it.
func filterRules(plan *topology.Plan, faults []Fault, macs map[string]map[string]string) map[string][]agent.FilterRule {
	percent := map[[2]string]int{}
	cut := func(a, b string, p int) {
		if a > b {
			a, b = b, a
		}
		percent[[2]string{a, b}] = max(percent[[2]string{a, b}], p)
	}
	for _, f := range faults {
		switch f.Kind {
		case FaultLinkDown:
			cut(f.Nodes[0], f.Nodes[1], 100)
		case FaultLoss:
			cut(f.Nodes[0], f.Nodes[1], f.Percent)
		case FaultPartition:
			for i, g := range f.Groups {
				for _, h := range f.Groups[i+1:] {
					for _, a := range g {
						for _, b := range h {
							cut(a, b, 100)
						}
					}
				}
			}
		}
	}
	out := map[string][]agent.FilterRule{}
	for _, pair := range slices.SortedFunc(maps.Keys(percent), func(x, y [2]string) int { return strings.Compare(x[0]+" "+x[1], y[0]+" "+y[1]) }) {
		for _, s := range plan.Segments {
			if !slices.Contains(s.Members, pair[0]) || !slices.Contains(s.Members, pair[1]) {
				continue
			}
			for _, end := range [][2]string{pair, {pair[1], pair[0]}} {
				self, _ := plan.Node(end[0])
				out[end[0]] = append(out[end[0]], agent.FilterRule{
					Local: self.Addresses[s.Name].String(), PeerMAC: macs[end[1]][s.Name], Percent: percent[pair]})
			}
		}
	}
	return out
}

// applyFilters makes rules the packet filter of each of nodes that runs,
// from a helper in its network namespace.
func (o *Orchestrator) applyFilters(ctx context.Context, l *live, image string, nodes []string, rules map[string][]agent.FilterRule) error {
	return boundedEach(ctx, DefaultMaxWorkers, nodes, func(ctx context.Context, n string) error {
		if c, ok := l.container(n); !ok || c.State != "running" {
			return nil // its filters go on when it starts again
		}
		spec := netnsHelper(l.plan.Name, n, image, agentArgs(agent.FilterCommand(rules[n])))
		return o.runHelper(ctx, spec, "packet filter of "+n)
	})
}
