package topology

import (
	"slices"
	"strings"
	"testing"
)

// The kernel routes follow the plan's paths, and AddrFrom picks the address
// a path arrives at.
func TestIPRoutes(t *testing.T) {
	for _, tc := range []struct {
		yaml      string
		from, to  string
		path      string
		addrOnSeg string // the segment of to's address as seen from from
	}{
		{"layout: star\nnodes: 4\n", "spoke1", "spoke3", "spoke1 hub spoke3", "hub-spoke3"},
		{"layout: ring\nnodes: 5\n", "node1", "node3", "node1 node2 node3", "node2-node3"},
		{"layout: ring\nnodes: 5\n", "node3", "node1", "node3 node4 node5 node1", "node5-node1"},
		{"layout: client-server\nnodes: 3\n", "client1", "client2", "client1 server client2", "lan"},
		{"layout: custom\nnodes: [a, b, c, d, e]\nlinks:\n  - [a, b]\n  - endpoints: [b, c, d]\n  - [d, e]\n", "a", "e", "a b d e", "d-e"},
	} {
		top, err := Parse("t.yaml", []byte(tc.yaml))
		if err != nil {
			t.Fatal(err)
		}
		p, err := BuildPlan(top, PlanOptions{})
		if err != nil {
			t.Fatal(err)
		}
		path, ok := p.Path(tc.from, tc.to)
		if !ok || strings.Join(path, " ") != tc.path {
			t.Errorf("%s → %s: path %v, want %s", tc.from, tc.to, path, tc.path)
		}
		addr, ok := p.AddrFrom(tc.from, tc.to)
		to, _ := p.Node(tc.to)
		if !ok || addr != to.Addresses[tc.addrOnSeg] {
			t.Errorf("%s → %s: address %v, want its address on %s", tc.from, tc.to, addr, tc.addrOnSeg)
		}
		if all := p.Reachable(); all[tc.from][tc.to] != addr || len(all[tc.from]) != len(p.Nodes)-1 {
			t.Errorf("%s → %s: Reachable says %v of %d, AddrFrom %v", tc.from, tc.to, all[tc.from][tc.to], len(all[tc.from]), addr)
		}
		// Every segment a node is not on has exactly one route, through a
		// neighbour, and the first hop toward the destination carries it.
		from, _ := p.Node(tc.from)
		var covered []string
		for _, r := range from.IPRoutes {
			s := segmentOf(p, r.To.String())
			covered = append(covered, s)
			if _, ok := neighborAddr(from, r.Hop); !ok {
				t.Errorf("%s: route to %s via %s, not a neighbour", tc.from, r.To, r.Hop)
			}
		}
		for _, s := range p.Segments {
			_, on := from.Addresses[s.Name]
			if on == slices.Contains(covered, s.Name) {
				t.Errorf("%s: segment %s on it %v, routed %v", tc.from, s.Name, on, !on)
			}
		}
	}
}

func TestRoutingNone(t *testing.T) {
	top, err := Parse("t.yaml", []byte("layout: star\nnodes: 4\nnetwork: {routing: none}\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := BuildPlan(top, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range p.Nodes {
		if len(n.IPRoutes) != 0 {
			t.Errorf("%s has ip routes with routing none: %v", n.Name, n.IPRoutes)
		}
	}
	if p.Routing != RoutingNone || top.Hash() == mustParse(t, "layout: star\nnodes: 4\n").Hash() {
		t.Error("routing none does not tell the plan or the hash apart")
	}
}

func segmentOf(p *Plan, subnet string) string {
	for _, s := range p.Segments {
		if s.Subnet.String() == subnet {
			return s.Name
		}
	}
	return ""
}

func mustParse(t *testing.T, yaml string) *Topology {
	t.Helper()
	top, err := Parse("t.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return top
}
