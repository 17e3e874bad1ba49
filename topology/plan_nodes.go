package topology

import (
	"net/netip"
	"sort"
)

// addressing is where each node sits on the planned segments.
type addressing struct {
	segs   []seg
	addr   [][]netip.Addr // addr[s][k] is the address of segment s's k-th member
	segsOf [][]int        // node -> the segments it is on, in segment order
}

// address gives each segment's members consecutive addresses after the
// gateway, in plan order, and returns the segments as planned.
func address(nodes []Node, segs []seg, subnets []netip.Prefix) ([]PlanSegment, addressing) {
	at := addressing{segs: segs, addr: make([][]netip.Addr, len(segs)), segsOf: make([][]int, len(nodes))}
	var out []PlanSegment
	for si, s := range segs {
		gw := subnets[si].Addr().Next()
		a := gw
		for _, m := range s.members {
			a = a.Next()
			at.addr[si] = append(at.addr[si], a)
			at.segsOf[m] = append(at.segsOf[m], si)
		}
		out = append(out, PlanSegment{
			Name:       s.name,
			Subnet:     subnets[si],
			Gateway:    gw,
			Members:    names(nodes, s.members),
			Shared:     s.shared,
			Impairment: s.imp,
			ImpairFrom: s.impFrom,
		})
	}
	return out, at
}

// on returns node m's address on segment si.
func (at addressing) on(si, m int) netip.Addr {
	for k, x := range at.segs[si].members {
		if x == m {
			return at.addr[si][k]
		}
	}
	return netip.Addr{}
}

// common returns the first segment holding both a and b, or -1.
func (at addressing) common(a, b int) int {
	for _, si := range at.segsOf[a] {
		for _, m := range at.segs[si].members {
			if m == b {
				return si
			}
		}
	}
	return -1
}

// edge is one side of a neighbour pair: the other node, and who dials.
type edge struct{ to, dial int }

// adjacency turns neighbour pairs into each node's edges and the
// neighbour graph, both in plan order.
func adjacency(n int, pairs []pair) ([][]edge, [][]int) {
	adj := make([][]edge, n)
	for _, pr := range pairs {
		adj[pr.a] = append(adj[pr.a], edge{pr.b, pr.dial})
		adj[pr.b] = append(adj[pr.b], edge{pr.a, pr.dial})
	}
	graph := make([][]int, n)
	for i := range adj {
		sort.Slice(adj[i], func(x, y int) bool { return adj[i][x].to < adj[i][y].to })
		for _, l := range adj[i] {
			graph[i] = append(graph[i], l.to)
		}
	}
	return adj, graph
}

// planNode is node i as planned: its own settings (copied, so that the plan
// shares nothing with the Topology), addresses, neighbours and routes.
func planNode(nodes []Node, i int, at addressing, adj []edge, hops []int) PlanNode {
	nd := nodes[i]
	pn := PlanNode{
		Name:         nd.Name,
		Role:         nd.Role,
		Image:        nd.Image,
		Command:      append([]string(nil), nd.Command...),
		Privileged:   nd.Privileged,
		Capabilities: append([]string(nil), nd.Capabilities...),
		Placement:    append([]string(nil), nd.Placement...),
		Addresses:    map[string]netip.Addr{},
		Neighbors:    []PlanNeighbor{},
		Routes:       map[string]string{},
	}
	if nd.Env != nil {
		pn.Env = make(map[string]string, len(nd.Env))
		for k, v := range nd.Env {
			pn.Env[k] = v
		}
	}
	for _, si := range at.segsOf[i] {
		pn.Addresses[at.segs[si].name] = at.on(si, i)
	}
	for _, l := range adj {
		si := at.common(i, l.to)
		pn.Neighbors = append(pn.Neighbors, PlanNeighbor{
			Name:    nodes[l.to].Name,
			Segment: at.segs[si].name,
			Addr:    at.on(si, l.to),
			Dial:    l.dial == i,
		})
	}
	for d, h := range hops {
		if d != i && h >= 0 {
			pn.Routes[nodes[d].Name] = nodes[h].Name
		}
	}
	return pn
}

func names(nodes []Node, idx []int) []string {
	out := make([]string, len(idx))
	for k, i := range idx {
		out[k] = nodes[i].Name
	}
	return out
}

// nextHops returns, for every node, the first hop from src on a shortest
// path to it, or -1 when unreachable. graph lists neighbours in plan order,
// so a breadth-first search reaches each node first through the earliest
// possible first hop: ties go to plan order.
func nextHops(graph [][]int, src int) []int {
	hop := make([]int, len(graph))
	for i := range hop {
		hop[i] = -1
	}
	hop[src] = src
	queue := []int{src}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, w := range graph[v] {
			if hop[w] >= 0 {
				continue
			}
			if v == src {
				hop[w] = w
			} else {
				hop[w] = hop[v]
			}
			queue = append(queue, w)
		}
	}
	return hop
}
