package orchestrator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/topology"
)

// changeFaults brings a topology from the faults on links in force to
// those change makes of them, and returns every fault in force after: it
// keeps the new set in marker containers, and rewrites
// the packet filters of every running node whose filters differ.
func (o *Orchestrator) changeFaults(ctx context.Context, name string, change func(plan *topology.Plan, in []Fault) ([]Fault, error)) ([]Fault, error) {
	if err := o.unsupported("a fault", needsHelpers); err != nil {
		return nil, err
	}
	l, err := o.readLive(ctx, name)
	if err != nil {
		return nil, err
	}
	plan := l.plan
	before, marks, err := o.faultMarkers(ctx, name)
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
	// The agents hear of new cuts before the filters make them, and of
	// lifted ones after, so that they count what a cut drops, at once.
	down := downNodes(l)
	had, want := agentFaults(plan, before, down), agentFaults(plan, after, down)
	during := withCuts(had, want)
	if err := o.tellAgents(ctx, l, had, during); err != nil {
		return nil, err
	}
	m := macs(l)
	old, now := filterRules(plan, before, m), filterRules(plan, after, m)
	var changed []string
	for _, n := range plan.Nodes {
		if !old[n.Name].equal(now[n.Name]) {
			changed = append(changed, n.Name)
		}
	}
	if err := o.applyFilters(ctx, l, image, changed, withUnshaping(old, now)); err != nil {
		return nil, err
	}
	// What is in force after: the faults on links, and the nodes that do
	// not run, as they were (no link fault changes a node).
	inForce := sortFaults(append(slices.Clone(after), nodeFaults(l.containers, marks)...))
	return inForce, o.tellAgents(ctx, l, during, want)
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

// applyFilters makes rules the packet filter and shaping of each of nodes
// that runs, from a helper in its network namespace.
func (o *Orchestrator) applyFilters(ctx context.Context, l *live, image string, nodes []string, rules map[string]netnsRules) error {
	return boundedEach(ctx, DefaultMaxWorkers, nodes, func(ctx context.Context, n string) error {
		if c, ok := l.container(n); !ok || c.State != "running" {
			return nil // its filters go on when it starts again
		}
		spec := netnsHelper(l.plan.Name, n, image, agentArgs(rules[n].command()))
		return o.runHelper(ctx, spec, "packet filter of "+n)
	})
}
