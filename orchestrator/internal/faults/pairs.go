package faults

import (
	"maps"
	"slices"
	"strings"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/topology"
)

// Pair is two nodes that share a segment, in name order.
type Pair [2]string

func PairOf(a, b string) Pair {
	if a > b {
		a, b = b, a
	}
	return Pair{a, b}
}

// PairFault is what the faults in force do to one way of a pair (or to
// the pair, either way: PairFaults): cut it, for a reason (link_down wins
// over partition), and impair it.
type PairFault struct {
	Cut string
	Imp *Fault
}

// way is one direction of a link: what way[0] sends way[1].
type way [2]string

// ways are the directions a link fault acts on: what From sends the other
// end, or both.
func (f Fault) ways() []way {
	a, b := f.Nodes[0], f.Nodes[1]
	switch f.From {
	case a:
		return []way{{a, b}}
	case b:
		return []way{{b, a}}
	}
	return []way{{a, b}, {b, a}}
}

// wayFaults folds the faults into what each way between two nodes
// suffers. An impairment of one way applies over one of both ways, and
// that over an impairment of every link.
func wayFaults(plan *topology.Plan, faults []Fault) map[way]PairFault {
	out := map[way]PairFault{}
	cut := func(w way, reason string) {
		pf := out[w]
		if pf.Cut != agent.ReasonLinkDown {
			pf.Cut = reason
		}
		out[w] = pf
	}
	impair := func(w way, f *Fault) {
		pf := out[w]
		if pf.Imp == nil || pf.Imp.From == "" {
			pf.Imp = f
		}
		out[w] = pf
	}
	var all *Fault
	for _, f := range faults {
		switch f.Kind {
		case KindLinkDown:
			for _, w := range f.ways() {
				cut(w, agent.ReasonLinkDown)
			}
		case KindPartition:
			for i, g := range f.Groups {
				for _, h := range f.Groups[i+1:] {
					for _, a := range g {
						for _, b := range h {
							cut(way{a, b}, agent.ReasonPartition)
							cut(way{b, a}, agent.ReasonPartition)
						}
					}
				}
			}
		case KindImpair:
			if len(f.Nodes) == 0 {
				all = &f
				continue
			}
			for _, w := range f.ways() {
				impair(w, &f)
			}
		}
	}
	if all != nil {
		for _, s := range plan.Segments {
			for _, a := range s.Members {
				for _, b := range s.Members {
					if pf := out[way{a, b}]; a != b && pf.Imp == nil {
						pf.Imp = all
						out[way{a, b}] = pf
					}
				}
			}
		}
	}
	return out
}

// PairFaults is what each pair of nodes suffers either way: a pair is cut
// when one way of it is (a trace across it cannot come back).
func PairFaults(plan *topology.Plan, faults []Fault) map[Pair]PairFault {
	out := map[Pair]PairFault{}
	for w, wf := range wayFaults(plan, faults) {
		p := PairOf(w[0], w[1])
		pf := out[p]
		if pf.Cut != agent.ReasonLinkDown && wf.Cut != "" {
			pf.Cut = wf.Cut
		}
		if pf.Imp == nil {
			pf.Imp = wf.Imp
		}
		out[p] = pf
	}
	return out
}

// FilterRules are the packet filters the faults make of each node: for a
// cut way, its receiving end drops what the sending end sends it on every
// segment they share; for a lossy way, a share of it, but for the agents'
// port, since the agents lose their own frames themselves and count them.
// A way is filtered at its receiving end only, so that the other way
// carries on; its ARP is kept then.
func FilterRules(plan *topology.Plan, faults []Fault, macs map[string]map[string]string) map[string]Rules {
	wfs := wayFaults(plan, faults)
	out := map[string]Rules{}
	for n, shapes := range shapeRules(plan, wfs) {
		out[n] = Rules{shapes: shapes}
	}
	pairs := map[Pair]bool{}
	for w := range wfs {
		pairs[PairOf(w[0], w[1])] = true
	}
	for _, p := range slices.SortedFunc(maps.Keys(pairs), func(x, y Pair) int { return strings.Compare(x[0]+" "+x[1], y[0]+" "+y[1]) }) {
		for _, s := range plan.Segments {
			if !slices.Contains(s.Members, p[0]) || !slices.Contains(s.Members, p[1]) {
				continue
			}
			for _, w := range []way{{p[1], p[0]}, {p[0], p[1]}} {
				wf := wfs[w]
				percent, keep := 100.0, 0
				if wf.Cut == "" {
					if wf.Imp == nil || wf.Imp.Percent == 0 {
						continue
					}
					percent, keep = wf.Imp.Percent, agent.DefaultPort
				}
				self, _ := plan.Node(w[1])
				nr := out[w[1]]
				// A way cut while the other carries on keeps ARP, which
				// the other way needs.
				nr.filters = append(nr.filters, agent.FilterRule{Local: self.Addresses[s.Name].String(), PeerMAC: macs[w[0]][s.Name],
					Percent: percent, KeepPort: keep, KeepARP: wf.Cut != "" && wfs[way{w[1], w[0]}].Cut == ""})
				out[w[1]] = nr
			}
		}
	}
	return out
}

// Rules are what a node's filter helper installs in its network
// namespace: the packet filter, and the shaping of the interfaces that
// have a rate (and, with rate 0, of those whose rate is lifted).
type Rules struct {
	filters []agent.FilterRule
	shapes  []agent.ShapeRule
}

func (r Rules) Equal(o Rules) bool {
	return slices.Equal(r.filters, o.filters) && slices.Equal(r.shapes, o.shapes)
}

// command is the helper's command line.
func (r Rules) Command() []string { return agent.FilterCommand(r.filters, r.shapes...) }

// shapeRules are the rates at which each node's interfaces send, for
// every process (a tbf in its namespace): an interface is shaped when
// every link of the node on its segment that is not cut has a rate, at
// the slowest of them. On a point-to-point segment that is the link's
// rate; on a shared one the rate holds for all the node sends there, so
// one link's rate alone is left to the agents' frames. Interfaces without
// a rate are left out.
func shapeRules(plan *topology.Plan, wfs map[way]PairFault) map[string][]agent.ShapeRule {
	out := map[string][]agent.ShapeRule{}
	for _, n := range plan.Nodes {
		for _, s := range plan.Segments {
			addr, ok := n.Addresses[s.Name]
			if !ok {
				continue
			}
			var rate uint64
			for _, peer := range s.Members {
				pf := wfs[way{n.Name, peer}]
				if peer == n.Name || pf.Cut != "" {
					continue
				}
				if pf.Imp == nil || pf.Imp.Rate == 0 {
					rate = 0
					break
				}
				if rate == 0 || pf.Imp.Rate < rate {
					rate = pf.Imp.Rate
				}
			}
			if rate != 0 {
				out[n.Name] = append(out[n.Name], agent.ShapeRule{Local: addr.String(), Rate: rate})
			}
		}
	}
	return out
}

// WithUnshaping is now with a rate 0 for every interface whose rate in
// old it no longer has, so that the helper removes that shaping.
func WithUnshaping(old, now map[string]Rules) map[string]Rules {
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

// ForAgents are the link faults each agent node is told of, by
// neighbour: the cuts and impairments of its links, and node_down for a
// neighbour in down (stopped, killed or paused). A link cut one way is
// told to each end as the way that end sees it (agent.CutOut, CutIn); an
// impairment only to the end that sends what it impairs. Nodes with no
// fault on any link get an empty map: they must be told that what was is
// lifted. file are the file's impairments an up changed in place
// (live.fileImp), which an agent applies where no runtime impairment
// replaces them.
func ForAgents(plan *topology.Plan, faults []Fault, down map[string]bool, file map[string]map[string]agent.Impairment) map[string]map[string]agent.LinkFault {
	wfs := wayFaults(plan, faults)
	out := map[string]map[string]agent.LinkFault{}
	for _, n := range plan.Nodes {
		if n.Image != "" {
			continue // a user's image runs no agent
		}
		m := map[string]agent.LinkFault{}
		for _, nb := range n.Neighbors {
			send, hear := wfs[way{n.Name, nb.Name}], wfs[way{nb.Name, n.Name}]
			lf := linkCut(send.Cut, hear.Cut)
			if down[nb.Name] {
				lf = agent.LinkFault{Cut: agent.ReasonNodeDown}
			}
			if send.Imp != nil {
				imp := send.Imp.Impairment()
				lf.Impairment = &imp
			} else if imp, ok := file[n.Name][nb.Name]; ok {
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

// linkCut is the cut an agent is told of a link whose way out is cut for
// send and whose way in for hear ("": not cut).
func linkCut(send, hear string) agent.LinkFault {
	switch {
	case send != "" && hear != "":
		if hear == agent.ReasonLinkDown {
			send = hear
		}
		return agent.LinkFault{Cut: send}
	case send != "":
		return agent.LinkFault{Cut: send, Direction: agent.CutOut}
	case hear != "":
		return agent.LinkFault{Cut: hear, Direction: agent.CutIn}
	}
	return agent.LinkFault{}
}
