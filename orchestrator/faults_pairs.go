package orchestrator

import (
	"maps"
	"slices"
	"strings"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/topology"
)

// pair is two nodes that share a segment, in name order.
type pair [2]string

func pairOf(a, b string) pair {
	if a > b {
		a, b = b, a
	}
	return pair{a, b}
}

// pairFault is what the faults in force do to one pair: cut it, for a
// reason (link_down wins over partition), and impair it.
type pairFault struct {
	cut string
	imp *Fault
}

// pairFaults folds the faults into what each pair of nodes suffers. An
// impairment of every link applies where no impairment of the link itself
// does.
func pairFaults(plan *topology.Plan, faults []Fault) map[pair]pairFault {
	out := map[pair]pairFault{}
	cut := func(p pair, reason string) {
		pf := out[p]
		if pf.cut != agent.ReasonLinkDown {
			pf.cut = reason
		}
		out[p] = pf
	}
	var all *Fault
	for _, f := range faults {
		switch f.Kind {
		case FaultLinkDown:
			cut(pairOf(f.Nodes[0], f.Nodes[1]), agent.ReasonLinkDown)
		case FaultPartition:
			for i, g := range f.Groups {
				for _, h := range f.Groups[i+1:] {
					for _, a := range g {
						for _, b := range h {
							cut(pairOf(a, b), agent.ReasonPartition)
						}
					}
				}
			}
		case FaultImpair:
			if len(f.Nodes) == 0 {
				all = &f
				continue
			}
			p := pairOf(f.Nodes[0], f.Nodes[1])
			pf := out[p]
			pf.imp = &f
			out[p] = pf
		}
	}
	if all != nil {
		for _, s := range plan.Segments {
			for i, a := range s.Members {
				for _, b := range s.Members[i+1:] {
					p := pairOf(a, b)
					if pf := out[p]; pf.imp == nil {
						pf.imp = all
						out[p] = pf
					}
				}
			}
		}
	}
	return out
}

// filterRules are the packet filters the faults make of each node: for a
// cut pair, each end drops what the other sends it on every segment they
// share; for a lossy pair, a share of it, but for the agents' port, since
// the agents lose their own frames themselves and count them.
func filterRules(plan *topology.Plan, faults []Fault, macs map[string]map[string]string) map[string]netnsRules {
	pfs := pairFaults(plan, faults)
	out := map[string]netnsRules{}
	for n, shapes := range shapeRules(plan, pfs) {
		out[n] = netnsRules{shapes: shapes}
	}
	for _, p := range slices.SortedFunc(maps.Keys(pfs), func(x, y pair) int { return strings.Compare(x[0]+" "+x[1], y[0]+" "+y[1]) }) {
		pf := pfs[p]
		percent, keep := 100.0, 0
		if pf.cut == "" {
			if pf.imp == nil || pf.imp.Percent == 0 {
				continue
			}
			percent, keep = pf.imp.Percent, agent.DefaultPort
		}
		for _, s := range plan.Segments {
			if !slices.Contains(s.Members, p[0]) || !slices.Contains(s.Members, p[1]) {
				continue
			}
			for _, end := range []pair{p, {p[1], p[0]}} {
				self, _ := plan.Node(end[0])
				nr := out[end[0]]
				nr.filters = append(nr.filters, agent.FilterRule{
					Local: self.Addresses[s.Name].String(), PeerMAC: macs[end[1]][s.Name], Percent: percent, KeepPort: keep})
				out[end[0]] = nr
			}
		}
	}
	return out
}

// netnsRules are what a node's filter helper installs in its network
// namespace: the packet filter, and the shaping of the interfaces that
// have a rate (and, with rate 0, of those whose rate is lifted).
type netnsRules struct {
	filters []agent.FilterRule
	shapes  []agent.ShapeRule
}

func (r netnsRules) equal(o netnsRules) bool {
	return slices.Equal(r.filters, o.filters) && slices.Equal(r.shapes, o.shapes)
}

// command is the helper's command line.
func (r netnsRules) command() []string { return agent.FilterCommand(r.filters, r.shapes...) }

// shapeRules are the rates at which each node's interfaces send, for
// every process (a tbf in its namespace): an interface is shaped when
// every link of the node on its segment that is not cut has a rate, at
// the slowest of them. On a point-to-point segment that is the link's
// rate; on a shared one the rate holds for all the node sends there, so
// one link's rate alone is left to the agents' frames. Interfaces without
// a rate are left out.
func shapeRules(plan *topology.Plan, pfs map[pair]pairFault) map[string][]agent.ShapeRule {
	out := map[string][]agent.ShapeRule{}
	for _, n := range plan.Nodes {
		for _, s := range plan.Segments {
			addr, ok := n.Addresses[s.Name]
			if !ok {
				continue
			}
			var rate uint64
			for _, peer := range s.Members {
				pf := pfs[pairOf(n.Name, peer)]
				if peer == n.Name || pf.cut != "" {
					continue
				}
				if pf.imp == nil || pf.imp.Rate == 0 {
					rate = 0
					break
				}
				if rate == 0 || pf.imp.Rate < rate {
					rate = pf.imp.Rate
				}
			}
			if rate != 0 {
				out[n.Name] = append(out[n.Name], agent.ShapeRule{Local: addr.String(), Rate: rate})
			}
		}
	}
	return out
}

// withUnshaping is now with a rate 0 for every interface whose rate in
// old it no longer has, so that the helper removes that shaping.
func withUnshaping(old, now map[string]netnsRules) map[string]netnsRules {
	out := maps.Clone(now)
	for n, o := range old {
		nr := out[n]
		for _, sh := range o.shapes {
			if !slices.ContainsFunc(nr.shapes, func(x agent.ShapeRule) bool { return x.Local == sh.Local }) {
				nr.shapes = append(slices.Clone(nr.shapes), agent.ShapeRule{Local: sh.Local})
			}
		}
		out[n] = nr
	}
	return out
}

// agentFaults are the link faults each agent node is told of, by
// neighbour: the cuts and impairments of its links, and node_down for a
// neighbour in down (stopped, killed or paused). Nodes with no fault on
// any link get an empty map: they must be told that what was is lifted.
func agentFaults(plan *topology.Plan, faults []Fault, down map[string]bool) map[string]map[string]agent.LinkFault {
	pfs := pairFaults(plan, faults)
	out := map[string]map[string]agent.LinkFault{}
	for _, n := range plan.Nodes {
		if n.Image != "" {
			continue // a user's image runs no agent
		}
		m := map[string]agent.LinkFault{}
		for _, nb := range n.Neighbors {
			var lf agent.LinkFault
			pf := pfs[pairOf(n.Name, nb.Name)]
			switch {
			case down[nb.Name]:
				lf.Cut = agent.ReasonNodeDown
			case pf.cut != "":
				lf.Cut = pf.cut
			}
			if pf.imp != nil {
				imp := pf.imp.impairment()
				lf.Impairment = &imp
			}
			if !lf.IsZero() {
				m[nb.Name] = lf
			}
		}
		out[n.Name] = m
	}
	return out
}
