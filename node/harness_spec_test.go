package node_test

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sync/atomic"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node"
)

// Every node and segment in this test binary gets its own loopback address
// under a random 127.x.0.0/16, so tests (and test binaries) do not collide.
var (
	addrNet  = byte(rand.IntN(200) + 20)
	addrNext atomic.Uint32
)

func nextAddr() netip.Addr {
	n := addrNext.Add(1)
	return netip.AddrFrom4([4]byte{127, addrNet, byte(n >> 8), byte(n)})
}

// spec is a topology as a test writes it; configs turns it into the
// node.Config each agent gets, the way the orchestrator's wiring does.
type spec struct {
	layout string
	proto  string
	nodes  []specNode
	segs   []specSeg
	edges  []edge    // neighbour pairs; the first end dials
	ring   []string  // ring order, ring layout only
	port   int       // listening port of every node
	routes routeHook // optional change to the computed routes
	every  time.Duration
}

type specNode struct{ name, role string }

type specSeg struct {
	name    string
	members []string
	shared  bool
}

type edge struct{ dialer, acceptor, seg string }

type routeHook func(node string, routes map[string]string)

func (s *spec) configs() map[string]*agent.Config {
	port := s.port
	if port == 0 {
		port = 7000
	}
	addr := map[[2]string]netip.Addr{} // (segment, node) → address
	for _, sg := range s.segs {
		for _, m := range sg.members {
			addr[[2]string{sg.name, m}] = nextAddr()
		}
	}
	segOf := map[string]specSeg{}
	for _, sg := range s.segs {
		segOf[sg.name] = sg
	}
	out := map[string]*agent.Config{}
	for _, n := range s.nodes {
		c := &agent.Config{Version: agent.ConfigVersion, Topology: "t", Name: n.name, Role: n.role, Layout: s.layout,
			Port: port, Traffic: agent.Traffic{Protocol: s.proto, Interval: agent.Duration(s.every), Size: 32}}
		for _, sg := range s.segs {
			a, ok := addr[[2]string{sg.name, n.name}]
			if !ok {
				continue
			}
			seg := agent.Segment{Name: sg.name, Addr: a.String(), Subnet: a.String() + "/32", Shared: sg.shared}
			if sg.shared {
				for _, m := range sg.members {
					if m != n.name {
						seg.Members = append(seg.Members, agent.Neighbor{Name: m, Addr: addr[[2]string{sg.name, m}].String(), Segment: sg.name, Port: port})
					}
				}
			}
			c.Segments = append(c.Segments, seg)
		}
		for _, e := range s.edges {
			switch n.name {
			case e.dialer:
				c.Neighbors = append(c.Neighbors, agent.Neighbor{Name: e.acceptor, Addr: addr[[2]string{e.seg, e.acceptor}].String(), Segment: e.seg, Dial: true, Port: port})
			case e.acceptor:
				c.Neighbors = append(c.Neighbors, agent.Neighbor{Name: e.dialer, Addr: addr[[2]string{e.seg, e.dialer}].String(), Segment: e.seg, Port: port})
			}
		}
		if i := slices.Index(s.ring, n.name); i >= 0 {
			k := len(s.ring)
			c.Ring = &agent.Ring{Successor: s.ring[(i+1)%k], Predecessor: s.ring[(i+k-1)%k], Leader: i == 0}
		}
		c.Routes = s.routesFrom(n.name)
		if s.routes != nil {
			s.routes(n.name, c.Routes)
		}
		out[n.name] = c
	}
	return out
}

// routesFrom is the next hop to every other node along a shortest path
// (breadth first, in edge order); in a ring always the successor.
func (s *spec) routesFrom(src string) map[string]string {
	routes := map[string]string{}
	if i := slices.Index(s.ring, src); i >= 0 {
		for _, n := range s.ring {
			if n != src {
				routes[n] = s.ring[(i+1)%len(s.ring)]
			}
		}
		return routes
	}
	first := map[string]string{src: ""}
	queue := []string{src}
	for len(queue) > 0 {
		at := queue[0]
		queue = queue[1:]
		for _, e := range s.edges {
			var next string
			switch at {
			case e.dialer:
				next = e.acceptor
			case e.acceptor:
				next = e.dialer
			default:
				continue
			}
			if _, ok := first[next]; ok {
				continue
			}
			hop := first[at]
			if at == src {
				hop = next
			}
			first[next] = hop
			routes[next] = hop
			queue = append(queue, next)
		}
	}
	return routes
}

func names(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i+1)
	}
	return out
}

func starSpec(proto string, spokes int) *spec {
	s := &spec{layout: node.LayoutStar, proto: proto, nodes: []specNode{{"hub", "hub"}}}
	for _, sp := range names("spoke", spokes) {
		s.nodes = append(s.nodes, specNode{sp, "spoke"})
		s.segs = append(s.segs, specSeg{name: "hub-" + sp, members: []string{"hub", sp}})
		s.edges = append(s.edges, edge{sp, "hub", "hub-" + sp})
	}
	return s
}

func clientServerSpec(proto string, clients int, sharedLAN bool) *spec {
	s := &spec{layout: node.LayoutClientServer, proto: proto, nodes: []specNode{{"server", "server"}}}
	lan := specSeg{name: "lan", members: []string{"server"}, shared: true}
	for _, c := range names("client", clients) {
		s.nodes = append(s.nodes, specNode{c, "client"})
		seg := "lan"
		if sharedLAN {
			lan.members = append(lan.members, c)
		} else {
			seg = "server-" + c
			s.segs = append(s.segs, specSeg{name: seg, members: []string{"server", c}})
		}
		s.edges = append(s.edges, edge{c, "server", seg})
	}
	if sharedLAN {
		s.segs = append(s.segs, lan)
	}
	return s
}

func ringSpec(proto string, n int) *spec {
	s := &spec{layout: node.LayoutRing, proto: proto, ring: names("r", n)}
	for i, r := range s.ring {
		next := s.ring[(i+1)%n]
		s.nodes = append(s.nodes, specNode{r, "peer"})
		seg := r + "-" + next
		s.segs = append(s.segs, specSeg{name: seg, members: []string{r, next}})
		s.edges = append(s.edges, edge{r, next, seg})
	}
	return s
}

func busSpec(n int) *spec {
	s := &spec{layout: node.LayoutBus, proto: "udp"}
	all := names("n", n)
	s.segs = []specSeg{{name: "bus", members: all, shared: true}}
	for i, a := range all {
		s.nodes = append(s.nodes, specNode{a, "peer"})
		for _, b := range all[i+1:] {
			s.edges = append(s.edges, edge{a, b, "bus"})
		}
	}
	return s
}

func p2pSpec(proto string, n int) *spec {
	s := &spec{layout: node.LayoutP2P, proto: proto}
	all := names("p", n)
	for i, a := range all {
		s.nodes = append(s.nodes, specNode{a, "peer"})
		for _, b := range all[i+1:] {
			seg := a + "-" + b
			s.segs = append(s.segs, specSeg{name: seg, members: []string{a, b}})
			s.edges = append(s.edges, edge{a, b, seg})
		}
	}
	return s
}

// customSpec is a - b, then b, c, d on a shared LAN, then d - e.
func customSpec(proto string) *spec {
	s := &spec{layout: node.LayoutCustom, proto: proto}
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		s.nodes = append(s.nodes, specNode{n, "peer"})
	}
	s.segs = []specSeg{
		{name: "ab", members: []string{"a", "b"}},
		{name: "lan", members: []string{"b", "c", "d"}, shared: true},
		{name: "de", members: []string{"d", "e"}},
	}
	s.edges = []edge{{"a", "b", "ab"}, {"b", "c", "lan"}, {"b", "d", "lan"}, {"c", "d", "lan"}, {"d", "e", "de"}}
	return s
}
