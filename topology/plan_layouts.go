package topology

import "strconv"

// seg is a segment being planned; members are plan-order indexes.
type seg struct {
	name    string
	members []int
	shared  bool
	imp     Impairment
	impFrom string
}

// pair is a neighbour relation between nodes a < b; dial is the one that
// opens the connection.
type pair struct{ a, b, dial int }

// shape is what a layout makes of its nodes: the segments in wiring
// order, who neighbours whom, and how a node picks its next hops.
type shape struct {
	segs  []seg
	pairs []pair
	// nextHops returns src's first hop toward every node, given the
	// neighbour graph; nil means along shortest paths (see nextHops).
	nextHops func(graph [][]int, src int) []int
}

// A layoutPlanner wires a valid, normalized topology of its layout.
type layoutPlanner func(t *Topology) shape

// layoutPlanners holds one planner per layout: adding a layout means adding
// its planner here (TestLayoutPlanners checks that none is missing).
var layoutPlanners = map[Layout]layoutPlanner{
	Star:         planStar,
	Ring:         planRing,
	Bus:          planBus,
	P2P:          planP2P,
	ClientServer: planClientServer,
	Custom:       planCustom,
}

// pair records that a and b are neighbours and that dial opens the
// connection.
func (s *shape) pair(a, b, dial int) {
	if a > b {
		a, b = b, a
	}
	s.pairs = append(s.pairs, pair{a, b, dial})
}

// link adds a point-to-point segment between nodes a and b, with the
// topology's default impairment, and makes them neighbours.
func (s *shape) link(t *Topology, a, b, dial int) {
	s.segs = append(s.segs, seg{name: t.Nodes[a].Name + "-" + t.Nodes[b].Name, members: []int{a, b}, imp: t.Link})
	s.pair(a, b, dial)
}

// centre returns the index of the first node with the role. Validation
// made sure there is one; 0 stands in for it otherwise.
func centre(nodes []Node, role string) int {
	for i, nd := range nodes {
		if nd.Role == role {
			return i
		}
	}
	return 0
}

// everyone lists the indexes of n nodes, in plan order.
func everyone(n int) []int {
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	return all
}

// planStar links every spoke to the hub; the spoke dials.
func planStar(t *Topology) shape {
	var s shape
	hub := centre(t.Nodes, RoleHub)
	for i := range t.Nodes {
		if i != hub {
			s.link(t, hub, i, i)
		}
	}
	return s
}

// planRing links every node to its successor, which it dials. Frames go
// one way round, so the next hop is always the successor.
func planRing(t *Topology) shape {
	s := shape{nextHops: ringHops}
	n := len(t.Nodes)
	for i := range t.Nodes {
		s.link(t, i, (i+1)%n, i)
	}
	return s
}

func ringHops(graph [][]int, src int) []int {
	hops := make([]int, len(graph))
	for d := range hops {
		hops[d] = (src + 1) % len(graph)
	}
	return hops
}

// planBus puts every node on one shared segment, where every node is
// every other's neighbour.
func planBus(t *Topology) shape {
	n := len(t.Nodes)
	s := shape{segs: []seg{{name: "bus", members: everyone(n), shared: true, imp: t.Link}}}
	for i := range n {
		for j := i + 1; j < n; j++ {
			s.pair(i, j, i)
		}
	}
	return s
}

// planP2P links every pair of nodes: a full mesh.
func planP2P(t *Topology) shape {
	var s shape
	n := len(t.Nodes)
	for i := range n {
		for j := i + 1; j < n; j++ {
			s.link(t, i, j, i)
		}
	}
	return s
}

// planClientServer puts everyone on one LAN, but clients only talk to the
// server: frames are unicast to it, not broadcast, so the segment is not
// Shared.
func planClientServer(t *Topology) shape {
	server := centre(t.Nodes, RoleServer)
	s := shape{segs: []seg{{name: "lan", members: everyone(len(t.Nodes)), imp: t.Link}}}
	for i := range t.Nodes {
		if i != server {
			s.pair(server, i, i)
		}
	}
	return s
}

// planCustom makes a segment of every link: point-to-point for two
// endpoints, shared (seg1, seg2, ...) for more. Nodes that share several
// links are neighbours once; the earlier in plan order dials.
func planCustom(t *Topology) shape {
	var s shape
	index := make(map[string]int, len(t.Nodes))
	for i, nd := range t.Nodes {
		index[nd.Name] = i
	}
	seen := map[[2]int]bool{}
	shared := 0
	for _, l := range t.Links {
		members := make([]int, len(l.Endpoints))
		for k, ep := range l.Endpoints {
			members[k] = index[ep]
		}
		sg := seg{members: members, imp: l.Impairment, impFrom: l.From}
		if len(members) == 2 {
			sg.name = l.Endpoints[0] + "-" + l.Endpoints[1]
		} else {
			shared++
			sg.name, sg.shared = "seg"+strconv.Itoa(shared), true
		}
		s.segs = append(s.segs, sg)
		for x := range members {
			for y := x + 1; y < len(members); y++ {
				a, b := min(members[x], members[y]), max(members[x], members[y])
				if !seen[[2]int{a, b}] {
					seen[[2]int{a, b}] = true
					s.pair(a, b, a)
				}
			}
		}
	}
	return s
}
