package orchestrator

import (
	"fmt"
	"slices"

	"github.com/topo-dev/topo/topology"
)

// What a change does to the nodes that stay and keep running: which take
// a new config as they run, what in it changes, and which cannot.

// configs lists the nodes that stay, are not recreated, and whose wiring
// changes: each must take a new config while it runs. A node whose change
// no other operation explains gets one of its own, which says what in its
// config changes.
func (d *planDiff) configs() ([]string, map[string][]FieldChange) {
	recreated := map[string]bool{}
	for _, op := range d.groups[groupRecreates] {
		recreated[op.Name] = true
	}
	explained := len(d.groups[groupChanges]) > 0 || len(d.refused) > 0 // every node's config, or none applies
	var out []string
	why := map[string][]FieldChange{}
	for i := range d.want.Nodes {
		n := &d.want.Nodes[i]
		on, ok := d.old.plan.Node(n.Name)
		if !ok || recreated[n.Name] || len(d.old.nodes[n.Name].differ(d.parts[n.Name], []string{partWiring})) == 0 || d.inPlaceOnly(n) {
			continue
		}
		out = append(out, n.Name)
		why[n.Name] = wiringChanges(d.old.plan, on, d.wantOld, n) // what an impairment changes is said apart
		if !explained && !d.touched[n.Name] {
			d.add(groupChanges, Operation{Op: OpChange, On: OnConfig, Name: n.Name, Fields: why[n.Name]})
		}
	}
	return out, why
}

// inPlaceOnly reports whether node n's wiring differs from what runs by
// the impairments of its segments alone, which up changes in place.
func (d *planDiff) inPlaceOnly(n *topology.PlanNode) bool {
	if d.wantOld == nil {
		p := *d.want
		if d.trafficOff {
			p.Traffic = d.old.plan.Traffic
		}
		p.Segments = slices.Clone(d.want.Segments)
		for i := range p.Segments {
			if os, ok := d.old.plan.Segment(p.Segments[i].Name); ok {
				p.Segments[i].Impairment, p.Segments[i].ImpairFrom = os.Impairment, os.ImpairFrom
			}
		}
		d.wantOld = &p
	}
	was, ok := d.old.nodes[n.Name][partWiring]
	return ok && hashOf(wiringOf(d.wantOld, n, d.reach[n.Name])) == was
}

// wiringChanges names what in a node's wiring differs between two plans.
func wiringChanges(op *topology.Plan, on *topology.PlanNode, wp *topology.Plan, wn *topology.PlanNode) []FieldChange {
	a, b := wiringOf(op, on, nil), wiringOf(wp, wn, nil)
	var out []FieldChange
	for _, f := range []struct {
		name string
		x, y any
	}{
		{"addresses", a.Addresses, b.Addresses}, {"neighbours", a.Neighbors, b.Neighbors},
		{"routes", a.Routes, b.Routes}, {"kernel routes", a.IPRoutes, b.IPRoutes},
		{"segments", a.Segments, b.Segments}, {"nodes that run their own image", a.Foreign, b.Foreign},
		{"ring leader", a.Leader, b.Leader},
	} {
		if hashOf(f.x) != hashOf(f.y) {
			out = append(out, FieldChange{Field: f.name})
		}
	}
	if len(out) == 0 {
		out = append(out, FieldChange{Field: "hosts"}) // what is left: where its traffic reaches others
	}
	return out
}

// unreconfigurable says why nodes that stay cannot take their new
// configs as they run: a ring's agent takes new ring neighbours, but not
// another leader, nor a token ring it had none of or the loss of the one
// it has (ringFixed); and an engine without fixed addresses (a swarm)
// cannot attach a running node to a new network.
func (d *planDiff) unreconfigurable(nodes []string) []string {
	var out []string
	if d.want.Layout == topology.Ring && d.old.plan.Layout == topology.Ring {
		out = append(out, d.ringFixed(nodes)...)
	}
	if d.opts.fixedAddrs {
		return out
	}
	for _, n := range nodes {
		pn, _ := d.want.Node(n)
		on, _ := d.old.plan.Node(n)
		if !slices.Equal(sortedKeys(pn.Addresses), sortedKeys(on.Addresses)) {
			out = append(out, fmt.Sprintf("node %s would join or leave a segment, and this engine cannot attach a running node to a network", n))
		}
	}
	return out
}

// ringFixed says which nodes that stay in a ring would change what their
// agents cannot change as they run: which node leads the ring (it makes
// the token), and whether a node has a token ring at all (none where a
// ring neighbour runs a user's image).
func (d *planDiff) ringFixed(nodes []string) []string {
	var out []string
	for _, n := range nodes {
		if was, now := ringRole(d.old.plan, n), ringRole(d.want, n); was != now {
			out = append(out, fmt.Sprintf("node %s would go from %s to %s of the ring, which its agent takes only when it starts", n, was, now))
		}
	}
	return out
}

// ringRole is what node n is to its ring: its leader, a member, or a
// node without a token ring (a ring neighbour runs a user's image).
func ringRole(p *topology.Plan, n string) string {
	i := slices.IndexFunc(p.Nodes, func(m topology.PlanNode) bool { return m.Name == n })
	k := len(p.Nodes)
	switch {
	case i < 0 || k == 0:
		return "no part"
	case p.Nodes[(i+1)%k].Image != "" || p.Nodes[(i+k-1)%k].Image != "":
		return "a node without a token ring (a ring neighbour runs its own image)"
	case i == 0:
		return "the leader"
	}
	return "a member"
}
