package faults

import (
	"context"
	"maps"
	"slices"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/topology"
)

// Live is what a change of faults needs of a running topology, read once
// by the orchestrator, and how it acts on it: the markers that keep the
// faults, the agents, and a helper in a node's network namespace.
type Live interface {
	Plan() *topology.Plan
	// Containers are the topology's node containers as the engine lists
	// them: their state and link-layer addresses.
	Containers() []engine.ContainerInfo
	// FileImpairments are the file's impairments an up changed in place,
	// by node and neighbour.
	FileImpairments() map[string]map[string]agent.Impairment
	// Markers reads the faults in force: those on links, and those of
	// node actions by node.
	Markers(ctx context.Context) ([]Fault, map[string]Fault, error)
	// Keep removes the markers of the faults lifted, then makes those of
	// the faults added.
	Keep(ctx context.Context, lifted, added []Fault) error
	// TellAgents tells the running agents whose link faults differ
	// between had and want what want says.
	TellAgents(ctx context.Context, had, want map[string]map[string]agent.LinkFault) error
	// Filter makes rules the packet filter and shaping of each of nodes
	// that runs, from a helper in its network namespace.
	Filter(ctx context.Context, nodes []string, rules map[string]Rules) error
}

// Change brings a topology from the faults on links in force to those
// change makes of them, and returns every fault in force after: it keeps
// the new set in markers, tells the agents, and rewrites the packet
// filters of every running node whose filters differ.
func Change(ctx context.Context, l Live, change func(plan *topology.Plan, in []Fault) ([]Fault, error)) ([]Fault, error) {
	plan := l.Plan()
	before, marks, err := l.Markers(ctx)
	if err != nil {
		return nil, err
	}
	after, err := change(plan, slices.Clone(before))
	if err != nil {
		return nil, err
	}
	lifted, added := Changed(before, after)
	if err := l.Keep(ctx, lifted, added); err != nil {
		return nil, err
	}
	// The agents hear of new cuts before the filters make them, and of
	// lifted ones after, so that they count what a cut drops, at once.
	down := Down(l.Containers())
	had, want := ForAgents(plan, before, down, l.FileImpairments()), ForAgents(plan, after, down, l.FileImpairments())
	during := WithCuts(had, want)
	if err := l.TellAgents(ctx, had, during); err != nil {
		return nil, err
	}
	m := MACs(plan, l.Containers())
	old, now := FilterRules(plan, before, m), FilterRules(plan, after, m)
	var changed []string
	for _, n := range plan.Nodes {
		if !old[n.Name].Equal(now[n.Name]) {
			changed = append(changed, n.Name)
		}
	}
	if err := l.Filter(ctx, changed, WithUnshaping(old, now)); err != nil {
		return nil, err
	}
	// What is in force after: the faults on links, and the nodes that do
	// not run, as they were (no link fault changes a node).
	inForce := Sort(append(slices.Clone(after), NodeFaults(l.Containers(), marks)...))
	return inForce, l.TellAgents(ctx, during, want)
}

// Changed are the faults of before that after lifts or changes, and those
// of after that are new or changed, each by key.
func Changed(before, after []Fault) (lifted, added []Fault) {
	keys := func(fs []Fault) map[string]Fault {
		m := map[string]Fault{}
		for _, f := range fs {
			m[f.Key()] = f
		}
		return m
	}
	was, is := keys(before), keys(after)
	for _, k := range slices.Sorted(maps.Keys(was)) {
		if g, ok := is[k]; !ok || !Equal(was[k], g) {
			lifted = append(lifted, was[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(is)) {
		if g, ok := was[k]; !ok || !Equal(is[k], g) {
			added = append(added, is[k])
		}
	}
	return lifted, added
}

// Down are the nodes whose containers do not run: stopped, killed or
// paused.
func Down(cs []engine.ContainerInfo) map[string]bool {
	down := map[string]bool{}
	for _, c := range cs {
		if c.State != "running" {
			down[c.Labels[engine.LabelNode]] = true
		}
	}
	return down
}

// MACs are every node's link-layer addresses, by segment.
func MACs(plan *topology.Plan, cs []engine.ContainerInfo) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, c := range cs {
		bySeg := map[string]string{}
		for _, s := range plan.Segments {
			if mac, ok := c.MACs[engine.NetworkName(plan.Name, s.Name)]; ok {
				bySeg[s.Name] = mac
			}
		}
		out[c.Labels[engine.LabelNode]] = bySeg
	}
	return out
}
