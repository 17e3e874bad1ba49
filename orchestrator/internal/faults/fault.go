package faults

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/topology"
)

// Kind names a fault that holds until it is lifted.
type Kind string

// Fault kinds.
const (
	KindLinkDown  Kind = "link_down" // Nodes' link carries nothing
	KindImpair    Kind = "impair"    // Nodes' link is impaired at runtime
	KindPartition Kind = "partition" // no traffic crosses between Groups
	KindNode      Kind = "node"      // Node's container does not run: stopped, killed or paused
)

// A Fault is a fault in force on a running topology. A fault on links is
// kept as the label of a marker container that is never started (labels
// are topo's only state), and applied as packet filters in the nodes'
// network namespaces, so that it holds for every process on them. A node
// fault is the state of the node's container, read from the engine each
// time; when topo made it, a marker says by what and when.
type Fault struct {
	Kind  Kind     `json:"kind"`
	Nodes []string `json:"nodes,omitempty"` // a link's two ends
	// From, when set, is one of Nodes: a link down or impairment holds
	// only for what From sends the other end (topo link down --from).
	From string `json:"from,omitempty"`
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
	case KindLinkDown:
		return fmt.Sprintf("link %s down", f.linkName())
	case KindImpair:
		if len(f.Nodes) == 0 {
			return "every link impaired: " + f.Impairment().String()
		}
		return fmt.Sprintf("link %s impaired: %s", f.linkName(), f.Impairment())
	case KindPartition:
		var gs []string
		for _, g := range f.Groups {
			gs = append(gs, strings.Join(g, ","))
		}
		return "partition " + strings.Join(gs, " | ")
	case KindNode:
		return f.nodeString()
	}
	return string(f.Kind)
}

// linkName names the link a fault is on: "a–b" both ways, "a→b" for
// what a sends b only.
func (f Fault) linkName() string {
	if f.From != "" && len(f.Nodes) == 2 {
		to := f.Nodes[0]
		if to == f.From {
			to = f.Nodes[1]
		}
		return f.From + "→" + to
	}
	return strings.Join(f.Nodes, "–")
}

// impairment is what an impair fault does to the agents' frames.
func (f Fault) Impairment() agent.Impairment {
	return agent.Impairment{Delay: f.Delay, Jitter: f.Jitter, Loss: f.Percent / 100, Rate: f.Rate}
}

// key names the marker of a fault: one per link, kind and direction, one
// partition.
func (f Fault) Key() string {
	if f.Kind == KindPartition {
		return "partition"
	}
	if f.Kind == KindImpair && len(f.Nodes) == 0 {
		return "impair-all"
	}
	if f.Kind == KindNode {
		return "node-" + f.Node
	}
	if f.From != "" {
		return string(f.Kind) + "-" + strings.Join(f.Nodes, "-") + "-from-" + f.From
	}
	return string(f.Kind) + "-" + strings.Join(f.Nodes, "-")
}

// ErrBad is returned, wrapped, for a fault that names what the topology
// does not have: a node, or a link between two nodes.
var ErrBad = errors.New("no such node or link")

// Sort puts faults in a stable order, by key.
func Sort(fs []Fault) []Fault {
	slices.SortFunc(fs, func(a, b Fault) int { return strings.Compare(a.Key(), b.Key()) })
	return fs
}

// checkLink checks that a and b are nodes that share a segment, and
// returns them in plan order.
func checkLink(plan *topology.Plan, a, b string) ([]string, error) {
	na, okA := plan.Node(a)
	_, okB := plan.Node(b)
	if !okA || !okB || a == b {
		return nil, fmt.Errorf("%w: %s and %s; the links are %s", ErrBad, a, b, strings.Join(links(plan), ", "))
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
	return nil, fmt.Errorf("%w: %s and %s share no segment; the links are %s", ErrBad, a, b, strings.Join(links(plan), ", "))
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
				return nil, fmt.Errorf("%w: %q; the nodes are %s", ErrBad, n, strings.Join(nodeNames(plan), ", "))
			}
			if seen[n] {
				return nil, fmt.Errorf("%w: %s is in two groups", ErrBad, n)
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
		return nil, fmt.Errorf("%w: a partition needs two groups at least", ErrBad)
	}
	return out, nil
}

func Equal(a, b Fault) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// MarkerName is the container that keeps a fault: never started.
func MarkerName(topology, key string) string { return topology + "-fault-" + key }

func nodeNames(plan *topology.Plan) []string {
	out := make([]string, len(plan.Nodes))
	for i, n := range plan.Nodes {
		out[i] = n.Name
	}
	return out
}
