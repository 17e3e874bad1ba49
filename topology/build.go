package topology

import (
	"errors"
	"math/bits"
	"net/netip"
	"sort"
	"strconv"
)

// BuildPlan validates t and derives its Plan: the segments that wire the
// layout, a subnet for each from the pool, an address per member, each
// node's neighbours and its next hop toward every other node.
//
// A Topology built in Go rather than loaded may leave out roles (the layout
// assigns them), Traffic.Protocol (TCP), Traffic.Size (DefaultSize) and
// Network.Pool (DefaultPool); a zero Traffic.Interval means no background
// traffic. t itself is not modified.
//
// An invalid topology, or a pool it does not fit in, yields an ErrorList.
func BuildPlan(t *Topology, opts PlanOptions) (*Plan, error) {
	if t == nil {
		return nil, errors.New("topology: BuildPlan of a nil Topology")
	}
	c := *t
	c.Nodes = append([]Node(nil), t.Nodes...)
	if opts.Name != "" {
		c.Name = opts.Name
		c.src.name, c.src.nameFromFile, c.src.nameFromOption = Pos{}, false, true
	}
	normalize(&c)
	e := &errs{file: t.File}
	validate(&c, e)
	if err := e.err(); err != nil {
		return nil, err
	}
	p := plan(&c, opts.Avoid, e)
	if err := e.err(); err != nil {
		return nil, err
	}
	return p, nil
}

// seg is a segment being planned; members are plan-order indexes.
type seg struct {
	name    string
	members []int
	shared  bool
	imp     Impairment
}

// pair is a neighbour relation between nodes a < b; dial is the one that
// opens the connection.
type pair struct{ a, b, dial int }

func plan(t *Topology, avoid []netip.Prefix, e *errs) *Plan {
	nodes := t.Nodes
	n := len(nodes)
	index := make(map[string]int, n)
	for i, nd := range nodes {
		index[nd.Name] = i
	}
	centre := func(role string) int {
		for i, nd := range nodes {
			if nd.Role == role {
				return i
			}
		}
		return 0
	}
	var segs []seg
	var pairs []pair
	addPair := func(a, b, dial int) {
		if a > b {
			a, b = b, a
		}
		pairs = append(pairs, pair{a, b, dial})
	}
	link2 := func(a, b int) seg {
		return seg{name: nodes[a].Name + "-" + nodes[b].Name, members: []int{a, b}, imp: t.Link}
	}
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}

	switch t.Layout {
	case Star:
		hub := centre(RoleHub)
		for i := range nodes {
			if i != hub {
				segs = append(segs, link2(hub, i))
				addPair(hub, i, i)
			}
		}
	case Ring:
		for i := range nodes {
			j := (i + 1) % n
			segs = append(segs, link2(i, j))
			addPair(i, j, i)
		}
	case Bus:
		segs = append(segs, seg{name: "bus", members: all, shared: true, imp: t.Link})
		for i := range nodes {
			for j := i + 1; j < n; j++ {
				addPair(i, j, i)
			}
		}
	case P2P:
		for i := range nodes {
			for j := i + 1; j < n; j++ {
				segs = append(segs, link2(i, j))
				addPair(i, j, i)
			}
		}
	case ClientServer:
		// One LAN, but clients only talk to the server: frames are unicast
		// to it, not broadcast, so the segment is not Shared.
		server := centre(RoleServer)
		segs = append(segs, seg{name: "lan", members: all, imp: t.Link})
		for i := range nodes {
			if i != server {
				addPair(server, i, i)
			}
		}
	case Custom:
		seen := map[[2]int]bool{}
		shared := 0
		for _, l := range t.Links {
			members := make([]int, len(l.Endpoints))
			for k, ep := range l.Endpoints {
				members[k] = index[ep]
			}
			s := seg{members: members, imp: l.Impairment}
			if len(members) == 2 {
				s.name = l.Endpoints[0] + "-" + l.Endpoints[1]
			} else {
				shared++
				s.name, s.shared = "seg"+strconv.Itoa(shared), true
			}
			segs = append(segs, s)
			for x := range members {
				for y := x + 1; y < len(members); y++ {
					a, b := min(members[x], members[y]), max(members[x], members[y])
					if !seen[[2]int{a, b}] {
						seen[[2]int{a, b}] = true
						addPair(a, b, a)
					}
				}
			}
		}
	}
	uniqueNames(segs)
	for i := range segs {
		sort.Ints(segs[i].members)
	}

	subnets, ok := allocate(t, segs, avoid, e)
	if !ok {
		return nil
	}

	p := &Plan{
		Name:    t.Name,
		Layout:  t.Layout,
		File:    t.File,
		Traffic: t.Traffic,
		Pool:    netip.MustParsePrefix(t.Network.Pool),
	}
	// addr[s][k] is the address of segment s's k-th member.
	addr := make([][]netip.Addr, len(segs))
	segsOf := make([][]int, n)
	for si, s := range segs {
		gw := subnets[si].Addr().Next()
		a := gw
		for _, m := range s.members {
			a = a.Next()
			addr[si] = append(addr[si], a)
			segsOf[m] = append(segsOf[m], si)
		}
		p.Segments = append(p.Segments, PlanSegment{
			Name:       s.name,
			Subnet:     subnets[si],
			Gateway:    gw,
			Members:    names(nodes, s.members),
			Shared:     s.shared,
			Impairment: s.imp,
		})
	}
	// on returns node m's address on segment si.
	on := func(si, m int) netip.Addr {
		for k, x := range segs[si].members {
			if x == m {
				return addr[si][k]
			}
		}
		return netip.Addr{}
	}
	// shared returns the first segment holding both a and b.
	shared := func(a, b int) int {
		for _, si := range segsOf[a] {
			for _, m := range segs[si].members {
				if m == b {
					return si
				}
			}
		}
		return -1
	}

	type link struct{ to, dial int }
	adj := make([][]link, n)
	for _, pr := range pairs {
		adj[pr.a] = append(adj[pr.a], link{pr.b, pr.dial})
		adj[pr.b] = append(adj[pr.b], link{pr.a, pr.dial})
	}
	graph := make([][]int, n)
	for i := range adj {
		sort.Slice(adj[i], func(x, y int) bool { return adj[i][x].to < adj[i][y].to })
		for _, l := range adj[i] {
			graph[i] = append(graph[i], l.to)
		}
	}

	for i, nd := range nodes {
		pn := PlanNode{
			Name:      nd.Name,
			Role:      nd.Role,
			Image:     nd.Image,
			Command:   append([]string(nil), nd.Command...),
			Addresses: map[string]netip.Addr{},
			Neighbors: []PlanNeighbor{},
			Routes:    map[string]string{},
		}
		if nd.Env != nil {
			pn.Env = make(map[string]string, len(nd.Env))
			for k, v := range nd.Env {
				pn.Env[k] = v
			}
		}
		for _, si := range segsOf[i] {
			pn.Addresses[segs[si].name] = on(si, i)
		}
		for _, l := range adj[i] {
			si := shared(i, l.to)
			pn.Neighbors = append(pn.Neighbors, PlanNeighbor{
				Name:    nodes[l.to].Name,
				Segment: segs[si].name,
				Addr:    on(si, l.to),
				Dial:    l.dial == i,
			})
		}
		var hops []int
		if t.Layout == Ring {
			hops = make([]int, n)
			for d := range hops {
				hops[d] = (i + 1) % n
			}
		} else {
			hops = nextHops(graph, i)
		}
		for d, h := range hops {
			if d != i && h >= 0 {
				pn.Routes[nodes[d].Name] = nodes[h].Name
			}
		}
		p.Nodes = append(p.Nodes, pn)
	}
	return p
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

// uniqueNames gives colliding segment names (nodes "a-b"+"c" and "a"+"b-c"
// both make "a-b-c") a numeric suffix, in segment order. A suffixed name
// never takes a name another segment has by right.
func uniqueNames(segs []seg) {
	natural := make(map[string]bool, len(segs))
	for _, s := range segs {
		natural[s.name] = true
	}
	taken := make(map[string]bool, len(segs))
	for i := range segs {
		name := segs[i].name
		if taken[name] {
			for k := 2; ; k++ {
				c := name + "-" + strconv.Itoa(k)
				if !taken[c] && !natural[c] {
					name = c
					break
				}
			}
		}
		taken[name] = true
		segs[i].name = name
	}
}

// blockBits is the prefix length of the smallest block that holds members
// containers plus the network, gateway and broadcast addresses: at least a
// /29.
func blockBits(members int) int {
	need := uint32(members + 3)
	b := 32 - bits.Len32(need-1) // smallest power of two >= need
	return min(b, 29)
}

// span is a range of IPv4 addresses [lo, hi).
type span struct{ lo, hi uint64 }

// spans is a sorted list of disjoint spans.
type spans []span

func (s *spans) add(x span) {
	l := *s
	i := sort.Search(len(l), func(i int) bool { return l[i].hi >= x.lo })
	j := i
	for j < len(l) && l[j].lo <= x.hi {
		x.lo, x.hi = min(x.lo, l[j].lo), max(x.hi, l[j].hi)
		j++
	}
	out := append(append(append(spans(nil), l[:i]...), x), l[j:]...)
	*s = out
}

// fit returns the first block of size that is aligned, inside [lo, hi) and
// clear of every span.
func (s spans) fit(lo, hi, size uint64) (uint64, bool) {
	c := (lo + size - 1) / size * size
	for c+size <= hi {
		k := sort.Search(len(s), func(i int) bool { return s[i].hi > c })
		if k == len(s) || s[k].lo >= c+size {
			return c, true
		}
		c = (s[k].hi + size - 1) / size * size
	}
	return 0, false
}

func toSpan(p netip.Prefix) span {
	a := p.Masked().Addr().As4()
	lo := uint64(a[0])<<24 | uint64(a[1])<<16 | uint64(a[2])<<8 | uint64(a[3])
	return span{lo, lo + 1<<(32-p.Bits())}
}

func fromU(v uint64, bits int) netip.Prefix {
	a := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	return netip.PrefixFrom(a, bits)
}

// allocate gives each segment, in order, the first free aligned block of
// its size in the pool.
func allocate(t *Topology, segs []seg, avoid []netip.Prefix, e *errs) ([]netip.Prefix, bool) {
	pool := netip.MustParsePrefix(t.Network.Pool)
	ps := toSpan(pool)
	var used []netip.Prefix
	for _, a := range avoid {
		switch {
		case !a.IsValid():
		case a.Addr().Is4():
			used = append(used, a.Masked())
		case a.Addr().Is4In6() && a.Bits() >= 96:
			used = append(used, netip.PrefixFrom(a.Addr().Unmap(), a.Bits()-96).Masked())
		}
	}
	var busy spans
	if !t.Network.PoolSet {
		for _, a := range used {
			busy.add(toSpan(a))
		}
	}
	out := make([]netip.Prefix, len(segs))
	for i, s := range segs {
		b := blockBits(len(s.members))
		size := uint64(1) << (32 - b)
		lo, ok := busy.fit(ps.lo, ps.hi, size)
		if !ok {
			var need uint64
			for _, s := range segs {
				need += uint64(1) << (32 - blockBits(len(s.members)))
			}
			nb := 32 - bits.Len64(need-1)
			if t.Network.PoolSet || len(used) == 0 {
				e.add(t.src.pool, "network.pool %s is too small: the %d segments need %d addresses, a /%d at least; choose a larger pool", pool, len(segs), need, nb)
			} else {
				e.add(t.src.top, "no room left in the default pool %s for segment %q (a /%d) beside the subnets already in use: set network.pool to a free private block of at least a /%d", pool, s.name, b, nb)
			}
			return nil, false
		}
		busy.add(span{lo, lo + size})
		out[i] = fromU(lo, b)
	}
	if t.Network.PoolSet {
		for _, a := range used {
			for i, sn := range out {
				if sn.Overlaps(a) {
					e.add(t.src.pool, "segment %q would get subnet %s, which overlaps %s already in use: choose another network.pool", segs[i].name, sn, a)
					break
				}
			}
		}
	}
	return out, true
}
