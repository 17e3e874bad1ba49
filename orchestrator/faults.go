package orchestrator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/topology"
)

// FaultKind names a fault that holds until it is lifted.
type FaultKind string

// Fault kinds.
const (
	FaultLinkDown  FaultKind = "link_down" // Nodes' link carries nothing
	FaultImpair    FaultKind = "impair"    // Nodes' link is impaired at runtime
	FaultPartition FaultKind = "partition" // no traffic crosses between Groups
	FaultNode      FaultKind = "node"      // Node's container does not run: stopped, killed or paused
)

// A Fault is a fault in force on a running topology. A fault on links is
// kept as the label of a marker container that is never started (labels
// are topo's only state), and applied as packet filters in the nodes'
// network namespaces, so that it holds for every process on them. A node
// fault is the state of the node's container, read from the engine each
// time; when topo made it, a marker says by what and when.
type Fault struct {
	Kind  FaultKind `json:"kind"`
	Nodes []string  `json:"nodes,omitempty"` // a link's two ends
	// An impairment: Percent of the frames lost, for every process (the
	// kernel drops them; the agents lose their own and count them), 0.5
	// for half a percent; Rate (bits per second) for every process where
	// a tbf can hold it (see shapeRules), and for the agents' frames;
	// Delay ± Jitter for the agents' frames, which this engine's kernel
	// cannot delay (no netem).
	Percent float64        `json:"percent,omitempty"`
	Delay   agent.Duration `json:"delay,omitzero"`
	Jitter  agent.Duration `json:"jitter,omitzero"`
	Rate    uint64         `json:"rate,omitzero"`
	Groups  [][]string     `json:"groups,omitempty"` // partition, every node in one group
	// Split says, for a partition, of each group whose members cannot all
	// reach each other, which cannot and through which nodes they would.
	Split []string `json:"split,omitempty"`
	// A node fault: Node's container is in State (the engine's word:
	// exited, paused, created, dead). Action (stop, kill, pause) and By
	// (topo, schedule) say what made it, At when; all three are empty
	// when topo did not (docker, or the node's own exit).
	Node   string    `json:"node,omitempty"`
	State  string    `json:"state,omitempty"`
	Action string    `json:"action,omitempty"`
	By     string    `json:"by,omitempty"`
	At     time.Time `json:"at,omitzero"`
}

// String describes the fault for people.
func (f Fault) String() string {
	switch f.Kind {
	case FaultLinkDown:
		return fmt.Sprintf("link %s down", strings.Join(f.Nodes, "–"))
	case FaultImpair:
		if len(f.Nodes) == 0 {
			return "every link impaired: " + f.impairment().String()
		}
		return fmt.Sprintf("link %s impaired: %s", strings.Join(f.Nodes, "–"), f.impairment())
	case FaultPartition:
		var gs []string
		for _, g := range f.Groups {
			gs = append(gs, strings.Join(g, ","))
		}
		return "partition " + strings.Join(gs, " | ")
	case FaultNode:
		return f.nodeString()
	}
	return string(f.Kind)
}

// impairment is what an impair fault does to the agents' frames.
func (f Fault) impairment() agent.Impairment {
	return agent.Impairment{Delay: f.Delay, Jitter: f.Jitter, Loss: f.Percent / 100, Rate: f.Rate}
}

// key names the marker of a fault: one per link and kind, one partition.
func (f Fault) key() string {
	if f.Kind == FaultPartition {
		return "partition"
	}
	if f.Kind == FaultImpair && len(f.Nodes) == 0 {
		return "impair-all"
	}
	if f.Kind == FaultNode {
		return "node-" + f.Node
	}
	return string(f.Kind) + "-" + strings.Join(f.Nodes, "-")
}

// ErrBadFault is returned, wrapped, for a fault that names what the
// topology does not have: a node, or a link between two nodes.
var ErrBadFault = errors.New("no such node or link")

// Faults lists the faults in force on a topology, in a stable order: on
// links, and nodes that do not run.
func (o *Orchestrator) Faults(ctx context.Context, name string) ([]Fault, error) {
	links, marks, err := o.faultMarkers(ctx, name)
	if err != nil {
		return nil, err
	}
	cs, err := o.containers(ctx, name)
	if err != nil && !errors.Is(err, ErrNoTopology) {
		return nil, fmt.Errorf("faults of %s: %w", name, err)
	}
	return sortFaults(append(links, nodeFaults(cs, marks)...)), nil
}

// faultMarkers reads the markers of a topology's faults: those on links,
// and those of node actions by node.
func (o *Orchestrator) faultMarkers(ctx context.Context, name string) ([]Fault, map[string]Fault, error) {
	markers, err := o.rt.ListContainers(ctx, map[string]string{engine.LabelHelper: name, engine.LabelFault: ""})
	if err != nil {
		return nil, nil, fmt.Errorf("faults of %s: %w", name, err)
	}
	links, nodes := []Fault{}, map[string]Fault{}
	for _, m := range markers {
		var f Fault
		if err := json.Unmarshal([]byte(m.Labels[engine.LabelFault]), &f); err != nil {
			return nil, nil, fmt.Errorf("faults of %s: marker %s: %w", name, m.Name, err)
		}
		if f.Kind == FaultNode {
			nodes[f.Node] = f
			continue
		}
		links = append(links, f)
	}
	return sortFaults(links), nodes, nil
}

// sortFaults puts faults in a stable order, by key.
func sortFaults(fs []Fault) []Fault {
	slices.SortFunc(fs, func(a, b Fault) int { return strings.Compare(a.key(), b.key()) })
	return fs
}

// checkLink checks that a and b are nodes that share a segment, and
// returns them in plan order.
func checkLink(plan *topology.Plan, a, b string) ([]string, error) {
	na, okA := plan.Node(a)
	_, okB := plan.Node(b)
	if !okA || !okB || a == b {
		return nil, fmt.Errorf("%w: %s and %s; the links are %s", ErrBadFault, a, b, strings.Join(links(plan), ", "))
	}
	for seg := range na.Addresses {
		if s, _ := plan.Segment(seg); slices.Contains(s.Members, b) {
			if slices.IndexFunc(plan.Nodes, func(n topology.PlanNode) bool { return n.Name == b }) <
				slices.IndexFunc(plan.Nodes, func(n topology.PlanNode) bool { return n.Name == a }) {
				a, b = b, a
			}
			return []string{a, b}, nil
		}
	}
	return nil, fmt.Errorf("%w: %s and %s share no segment; the links are %s", ErrBadFault, a, b, strings.Join(links(plan), ", "))
}

// links lists every pair of nodes that share a segment, as "a b".
func links(plan *topology.Plan) []string {
	var out []string
	for _, s := range plan.Segments {
		for i, a := range s.Members {
			for _, b := range s.Members[i+1:] {
				out = append(out, a+" "+b)
			}
		}
	}
	return out
}

// partitionGroups completes groups with one more group of the nodes none
// names, and checks that each node is in one group.
func partitionGroups(plan *topology.Plan, groups [][]string) ([][]string, error) {
	seen := map[string]bool{}
	var out [][]string
	for _, g := range groups {
		var grp []string
		for _, n := range g {
			if _, ok := plan.Node(n); !ok {
				return nil, fmt.Errorf("%w: %q; the nodes are %s", ErrBadFault, n, strings.Join(nodeNames(plan), ", "))
			}
			if seen[n] {
				return nil, fmt.Errorf("%w: %s is in two groups", ErrBadFault, n)
			}
			seen[n] = true
			grp = append(grp, n)
		}
		if len(grp) > 0 {
			out = append(out, grp)
		}
	}
	var rest []string
	for _, n := range plan.Nodes {
		if !seen[n.Name] {
			rest = append(rest, n.Name)
		}
	}
	if len(rest) > 0 {
		out = append(out, rest)
	}
	if len(out) < 2 {
		return nil, fmt.Errorf("%w: a partition needs two groups at least", ErrBadFault)
	}
	return out, nil
}
