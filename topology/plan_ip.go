package topology

import "net/netip"

// RouteIP gives every node a kernel route to each segment it is not on,
// through the next hop toward the nearest member of that segment, as the
// plan's routes go. The kernel then carries any IP packet along the
// layout's paths: through the hub, around the ring, hop by hop along a
// custom graph.
//
// BuildPlan calls it when routing is ip; a plan rebuilt from what runs
// calls it to get the same routes back.
func RouteIP(p *Plan) {
	d := newDistances(p)
	for i := range p.Nodes {
		n := &p.Nodes[i]
		for _, s := range p.Segments {
			if _, on := n.Addresses[s.Name]; on {
				continue
			}
			m, ok := d.nearest(i, s.Members)
			if !ok {
				continue
			}
			hop := n.Routes[m]
			if via, ok := neighborAddr(n, hop); ok {
				n.IPRoutes = append(n.IPRoutes, IPRoute{To: s.Subnet, Via: via, Hop: hop})
			}
		}
		hostRoutes(p, n)
	}
}

// hostRoutes sends traffic for a node on one of n's own LANs (segments of
// three or more) through the plan's next hop when the layout relays
// between them, as a client-server LAN does through its server: one /32
// route per address. The two ends of a point-to-point link always talk
// directly, even in a ring.
func hostRoutes(p *Plan, n *PlanNode) {
	for _, s := range p.Segments {
		if _, on := n.Addresses[s.Name]; !on || len(s.Members) < 3 {
			continue
		}
		for _, m := range s.Members {
			hop, ok := n.Routes[m]
			if !ok || hop == m {
				continue
			}
			other, _ := p.Node(m)
			via, ok := neighborAddr(n, hop)
			if a := other.Addresses[s.Name]; ok && a.IsValid() {
				n.IPRoutes = append(n.IPRoutes, IPRoute{To: netip.PrefixFrom(a, 32), Via: via, Hop: hop})
			}
		}
	}
}

// distances counts hops along the plan's routes, each pair once: a
// topology of MaxNodes has MaxNodes² of them.
type distances struct {
	p     *Plan
	index map[string]int
	hops  map[[2]int]int // {from, to} -> hops; -1 when unreachable
	last  map[[2]int]int // {from, to} -> the node before to on the path; -1 when unreachable
}

func newDistances(p *Plan) *distances {
	d := &distances{p: p, index: make(map[string]int, len(p.Nodes)), hops: map[[2]int]int{}, last: map[[2]int]int{}}
	for i, n := range p.Nodes {
		d.index[n.Name] = i
	}
	return d
}

// count is the number of hops from node i to node j, or -1.
func (d *distances) count(i, j int) int {
	if i == j {
		return 0
	}
	if h, ok := d.hops[[2]int{i, j}]; ok {
		return h
	}
	d.hops[[2]int{i, j}] = -1 // a loop in the routes reads as unreachable
	h := -1
	if next, ok := d.index[d.p.Nodes[i].Routes[d.p.Nodes[j].Name]]; ok && next != i {
		if rest := d.count(next, j); rest >= 0 {
			h = rest + 1
		}
	}
	d.hops[[2]int{i, j}] = h
	return h
}

// before is the node before j on the path from i to j (i itself when they
// are neighbours), or -1.
func (d *distances) before(i, j int) int {
	if v, ok := d.last[[2]int{i, j}]; ok {
		return v
	}
	d.last[[2]int{i, j}] = -1
	v := -1
	if next, ok := d.index[d.p.Nodes[i].Routes[d.p.Nodes[j].Name]]; ok && next != i {
		if next == j {
			v = i
		} else {
			v = d.before(next, j)
		}
	}
	d.last[[2]int{i, j}] = v
	return v
}

// nearest returns the member of members that node i reaches in the fewest
// hops; ties go to the earlier member.
func (d *distances) nearest(i int, members []string) (string, bool) {
	best, bestHops := "", -1
	for _, m := range members {
		j, ok := d.index[m]
		if !ok {
			continue
		}
		if h := d.count(i, j); h >= 0 && (bestHops < 0 || h < bestHops) {
			best, bestHops = m, h
		}
	}
	return best, bestHops >= 0
}

// Path is the way a packet from one node to another goes along the plan's
// routes, both ends included; false when to is not reachable.
func (p *Plan) Path(from, to string) ([]string, bool) {
	path := []string{from}
	for at := from; at != to; {
		n, ok := p.Node(at)
		if !ok || len(path) > len(p.Nodes) {
			return nil, false
		}
		next, ok := n.Routes[to]
		if !ok {
			return nil, false
		}
		path = append(path, next)
		at = next
	}
	return path, true
}

// AddrFrom is the address of node to that traffic from node from reaches
// along the layout: its address on the segment it shares with the last
// hop before it. It is what from's software should use for to, for
// example in /etc/hosts.
func (p *Plan) AddrFrom(from, to string) (netip.Addr, bool) {
	path, ok := p.Path(from, to)
	if !ok || len(path) < 2 {
		return netip.Addr{}, false
	}
	prev, _ := p.Node(path[len(path)-2])
	return neighborAddr(prev, to)
}

// Reachable is, for every node, the address of every other node that its
// traffic reaches along the layout (see AddrFrom): Reachable()[from][to].
// Nodes it cannot reach are left out.
func (p *Plan) Reachable() map[string]map[string]netip.Addr {
	d := newDistances(p)
	out := make(map[string]map[string]netip.Addr, len(p.Nodes))
	for i, n := range p.Nodes {
		out[n.Name] = make(map[string]netip.Addr, len(p.Nodes)-1)
		for j, m := range p.Nodes {
			if i == j {
				continue
			}
			if b := d.before(i, j); b >= 0 {
				if a, ok := neighborAddr(&p.Nodes[b], m.Name); ok {
					out[n.Name][m.Name] = a
				}
			}
		}
	}
	return out
}

// neighborAddr is the address of neighbour name as n reaches it.
func neighborAddr(n *PlanNode, name string) (netip.Addr, bool) {
	for _, nb := range n.Neighbors {
		if nb.Name == name {
			return nb.Addr, true
		}
	}
	return netip.Addr{}, false
}
