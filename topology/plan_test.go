package topology

import (
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func mustPlan(t *testing.T, src string, opts PlanOptions) *Plan {
	t.Helper()
	top, err := Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse:\n%v", err)
	}
	p, err := BuildPlan(top, opts)
	if err != nil {
		t.Fatalf("BuildPlan:\n%v", err)
	}
	checkPlan(t, p)
	return p
}

func planErr(t *testing.T, src string, opts PlanOptions) string {
	t.Helper()
	top, err := Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse:\n%v", err)
	}
	_, err = BuildPlan(top, opts)
	if err == nil {
		t.Fatal("BuildPlan: want an error, got none")
	}
	return err.Error()
}

func TestBlockBits(t *testing.T) {
	for _, tc := range []struct{ members, bits int }{
		{1, 29}, {2, 29}, {5, 29}, {6, 28}, {13, 28}, {14, 27}, {29, 27}, {30, 26}, {250, 24}, {253, 24}, {254, 23},
	} {
		if got := blockBits(tc.members); got != tc.bits {
			t.Errorf("blockBits(%d) = /%d, want /%d", tc.members, got, tc.bits)
		}
	}
}

func TestAllocation(t *testing.T) {
	tests := []struct {
		name, src string
		opts      PlanOptions
		want      map[string]string // segment -> subnet
	}{{
		name: "p2p links take consecutive /29s",
		src:  "layout: ring\nnodes: 3\n",
		want: map[string]string{"node1-node2": "10.210.0.0/29", "node2-node3": "10.210.0.8/29", "node3-node1": "10.210.0.16/29"},
	}, {
		name: "a big segment is aligned to its size, small ones fill the gap before it",
		src: `layout: custom
nodes: [a, b, c, d, e, f, g, h]
links:
  - [a, b]
  - endpoints: [a, b, c, d, e, f, g, h]
  - [c, d]
`,
		want: map[string]string{"a-b": "10.210.0.0/29", "seg1": "10.210.0.16/28", "c-d": "10.210.0.8/29"},
	}, {
		name: "avoid skips used blocks when the pool is the default",
		src:  "layout: star\nnodes: 3\n",
		opts: PlanOptions{Avoid: []netip.Prefix{netip.MustParsePrefix("10.210.0.0/29"), netip.MustParsePrefix("10.210.0.12/30"), netip.MustParsePrefix("::ffff:10.210.0.16/125")}},
		want: map[string]string{"hub-spoke1": "10.210.0.24/29", "hub-spoke2": "10.210.0.32/29"},
	}, {
		name: "avoid outside the pool changes nothing",
		src:  "layout: star\nnodes: 3\n",
		opts: PlanOptions{Avoid: []netip.Prefix{netip.MustParsePrefix("172.17.0.0/16"), netip.MustParsePrefix("fd00::/8")}},
		want: map[string]string{"hub-spoke1": "10.210.0.0/29", "hub-spoke2": "10.210.0.8/29"},
	}, {
		name: "a set pool that avoids nothing in use",
		src:  "layout: bus\nnodes: 3\nnetwork:\n  pool: 172.20.0.0/24\n",
		opts: PlanOptions{Avoid: []netip.Prefix{netip.MustParsePrefix("172.17.0.0/16")}},
		want: map[string]string{"bus": "172.20.0.0/29"},
	}, {
		name: "a pool exactly big enough",
		src:  "layout: star\nnodes: 3\nnetwork:\n  pool: 192.168.1.0/28\n",
		want: map[string]string{"hub-spoke1": "192.168.1.0/29", "hub-spoke2": "192.168.1.8/29"},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := mustPlan(t, tc.src, tc.opts)
			if len(p.Segments) != len(tc.want) {
				t.Fatalf("got %d segments, want %d", len(p.Segments), len(tc.want))
			}
			for _, s := range p.Segments {
				if got := s.Subnet.String(); got != tc.want[s.Name] {
					t.Errorf("segment %s: subnet %s, want %s", s.Name, got, tc.want[s.Name])
				}
				for _, a := range tc.opts.Avoid {
					if !p.Pool.Overlaps(a) {
						continue
					}
					if s.Subnet.Overlaps(a) {
						t.Errorf("segment %s subnet %s overlaps avoided %s", s.Name, s.Subnet, a)
					}
				}
			}
		})
	}
}

func TestAllocationErrors(t *testing.T) {
	tests := []struct {
		name, src string
		opts      PlanOptions
		want      string
	}{{
		name: "pool too small",
		src:  "layout: p2p\nnodes: 4\nnetwork:\n  pool: 10.9.9.0/27\n",
		want: "test.yaml:4:9: network.pool 10.9.9.0/27 is too small: the 6 segments need 48 addresses, a /26 at least; choose a larger pool",
	}, {
		name: "a segment larger than the pool",
		src:  "layout: bus\nnodes: 6\nnetwork:\n  pool: 10.9.9.0/29\n",
		want: "test.yaml:4:9: network.pool 10.9.9.0/29 is too small: the 1 segments need 16 addresses, a /28 at least; choose a larger pool",
	}, {
		name: "a set pool overlapping a subnet in use",
		src:  "layout: star\nnodes: 3\nnetwork:\n  pool: 172.18.0.0/16\n",
		opts: PlanOptions{Avoid: []netip.Prefix{netip.MustParsePrefix("172.18.0.8/29"), netip.MustParsePrefix("10.0.0.0/8")}},
		want: `test.yaml:4:9: segment "hub-spoke2" would get subnet 172.18.0.8/29, which overlaps 172.18.0.8/29 already in use: choose another network.pool`,
	}, {
		name: "the default pool used up by other networks",
		src:  "layout: star\nnodes: 3\n",
		opts: PlanOptions{Avoid: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}},
		want: `test.yaml:1:1: no room left in the default pool 10.210.0.0/16 for segment "hub-spoke1" (a /29) beside the subnets already in use: set network.pool to a free private block of at least a /28`,
	}, {
		name: "an invalid name option",
		src:  "layout: star\nnodes: 3\n",
		opts: PlanOptions{Name: "Not OK"},
		want: `test.yaml: name "Not OK" is not a valid topology name: use lowercase letters, digits and dashes, starting and ending with a letter or digit, at most 40 characters`,
	}, {
		name: "a name option ending in a dash",
		src:  "layout: star\nnodes: 3\n",
		opts: PlanOptions{Name: "lab-"},
		want: `test.yaml: name "lab-" is not a valid topology name: use lowercase letters, digits and dashes, starting and ending with a letter or digit, at most 40 characters`,
	}, {
		// The file's own name is short enough; the option makes the
		// container name too long for a hostname.
		name: "a name option too long for a node's hostname",
		src:  "name: lab\nlayout: ring\nnodes: [a, b, a-node-name-of-thirty-chars-xy]\n",
		opts: PlanOptions{Name: strings.Repeat("x", 33)},
		want: `test.yaml:3:15: node "a-node-name-of-thirty-chars-xy": its container name "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx-a-node-name-of-thirty-chars-xy" is 64 characters, more than the 63 a hostname may have: shorten the node name, or give a shorter topology name`,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := planErr(t, tc.src, tc.opts); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestNameOption(t *testing.T) {
	p := mustPlan(t, "layout: bus\nnodes: 2\n", PlanOptions{Name: "lab-7"})
	if p.Name != "lab-7" {
		t.Errorf("name %q, want lab-7", p.Name)
	}
}

func TestRoutes(t *testing.T) {
	tests := []struct {
		name, src string
		want      map[string]map[string]string // node -> destination -> next hop
	}{{
		name: "ring: always the successor",
		src:  "layout: ring\nnodes: 4\n",
		want: map[string]map[string]string{
			"node1": {"node2": "node2", "node3": "node2", "node4": "node2"},
			"node4": {"node1": "node1", "node2": "node1", "node3": "node1"},
			"node2": {"node1": "node3"},
		},
	}, {
		name: "star: spokes via the hub",
		src:  "layout: star\nnodes: [a, b, {name: c, role: hub}, d]\n",
		want: map[string]map[string]string{
			"a": {"b": "c", "c": "c", "d": "c"},
			"c": {"a": "a", "b": "b", "d": "d"},
		},
	}, {
		name: "client-server: clients via the server",
		src:  "layout: client-server\nnodes: 3\n",
		want: map[string]map[string]string{
			"client1": {"server": "server", "client2": "server"},
			"server":  {"client1": "client1", "client2": "client2"},
		},
	}, {
		name: "bus and p2p: direct",
		src:  "layout: bus\nnodes: 3\n",
		want: map[string]map[string]string{"node1": {"node2": "node2", "node3": "node3"}},
	}, {
		name: "custom: shortest path, ties to plan order",
		src: `layout: custom
nodes: [a, b, c, d, e]
links:
  - [a, c]
  - [a, b]
  - [b, d]
  - [c, d]
  - endpoints: [d, e, b]
`,
		want: map[string]map[string]string{
			// d is two hops away through b or c: b comes first in plan order.
			"a": {"b": "b", "c": "c", "d": "b", "e": "b"},
			"c": {"e": "d", "b": "a"},
			"e": {"a": "b", "c": "d"},
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := mustPlan(t, tc.src, PlanOptions{})
			for from, routes := range tc.want {
				n, ok := p.Node(from)
				if !ok {
					t.Fatalf("no node %s", from)
				}
				for to, hop := range routes {
					if got := n.Routes[to]; got != hop {
						t.Errorf("%s -> %s: next hop %s, want %s", from, to, got, hop)
					}
				}
			}
		})
	}
}

// dialers returns "a>b" for each pair where a dials b.
func dialers(p *Plan) []string {
	var out []string
	for _, n := range p.Nodes {
		for _, nb := range n.Neighbors {
			if nb.Dial {
				out = append(out, n.Name+">"+nb.Name)
			}
		}
	}
	return out
}

func TestDial(t *testing.T) {
	tests := []struct{ src, want string }{
		{"layout: star\nnodes: [a, {name: h, role: hub}, b]\n", "a>h b>h"},
		{"layout: client-server\nnodes: [c1, {name: s, role: server}, c2]\n", "c1>s c2>s"},
		{"layout: ring\nnodes: [x, y, z]\n", "x>y y>z z>x"},
		{"layout: bus\nnodes: [c, b, a]\n", "c>b c>a b>a"},
		{"layout: p2p\nnodes: 3\n", "peer1>peer2 peer1>peer3 peer2>peer3"},
		{"layout: custom\nnodes: [a, b, c]\nlinks:\n  - [c, a]\n  - [b, c]\n", "a>c b>c"},
	}
	for _, tc := range tests {
		p := mustPlan(t, tc.src, PlanOptions{})
		if got := strings.Join(dialers(p), " "); got != tc.want {
			t.Errorf("%s: dialers %q, want %q", p.Layout, got, tc.want)
		}
	}
}

func TestNeighborsAndSegments(t *testing.T) {
	p := mustPlan(t, "layout: client-server\nnodes: 4\n", PlanOptions{})
	lan, ok := p.Segment("lan")
	if !ok || lan.Shared || len(lan.Members) != 4 {
		t.Fatalf("lan = %+v, want one unshared segment with every node", lan)
	}
	c, _ := p.Node("client2")
	if len(c.Neighbors) != 1 || c.Neighbors[0].Name != "server" || c.Neighbors[0].Addr.String() != "10.210.0.2" {
		t.Errorf("client2 neighbours %+v, want only the server at 10.210.0.2", c.Neighbors)
	}
	if got := lan.Broadcast().String(); got != "10.210.0.7" {
		t.Errorf("broadcast %s, want 10.210.0.7", got)
	}

	p = mustPlan(t, "layout: bus\nnodes: 3\n", PlanOptions{})
	if bus, _ := p.Segment("bus"); !bus.Shared {
		t.Error("bus segment is not shared")
	}

	// Two nodes on both a point-to-point link and a shared segment talk
	// over the first one in segment order.
	p = mustPlan(t, "layout: custom\nnodes: [a, b, c]\nlinks:\n  - [a, b, c]\n  - [b, a]\n", PlanOptions{})
	a, _ := p.Node("a")
	if nb := neighbor(a, "b"); nb == nil || nb.Segment != "seg1" {
		t.Errorf("a's neighbour b = %+v, want on seg1", nb)
	}
	if s, _ := p.Segment("b-a"); s.Members[0] != "a" {
		t.Errorf("segment b-a members %v, want plan order", s.Members)
	}
}

func TestImpairmentMerge(t *testing.T) {
	p := mustPlan(t, `layout: custom
nodes: [a, b, c]
link: {delay: 5ms, jitter: 1ms, loss: 1%, rate: 1mbit}
links:
  - [a, b]
  - {endpoints: [b, c], delay: 0, rate: 0, loss: 0.25%}
`, PlanOptions{})
	want := map[string]Impairment{
		"a-b": {Delay: 5 * time.Millisecond, Jitter: time.Millisecond, Loss: 0.01, Rate: 1e6},
		"b-c": {Jitter: time.Millisecond, Loss: 0.0025},
	}
	for _, s := range p.Segments {
		if s.Impairment != want[s.Name] {
			t.Errorf("%s: impairment %+v, want %+v", s.Name, s.Impairment, want[s.Name])
		}
	}
	p = mustPlan(t, "layout: star\nnodes: 2\nlink:\n  rate: 1.5mbit\n", PlanOptions{})
	if got := p.Segments[0].Impairment.String(); got != "rate 1500kbit" {
		t.Errorf("impairment %q, want rate 1500kbit", got)
	}
}

func TestRender(t *testing.T) {
	for _, name := range []string{"star", "bus", "client-server", "custom"} {
		p, err := loadPlan(filepath.Join("testdata", "valid-"+name+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		golden(t, filepath.Join("testdata", "golden", name+".dot"), RenderDOT(p))
		golden(t, filepath.Join("testdata", "golden", name+".mmd"), RenderMermaid(p))
	}
}

func TestSegmentNamesUnique(t *testing.T) {
	// Every way node names with dashes can collide.
	p := mustPlan(t, `layout: custom
nodes: [a, b-c, a-b, c, a-b-c, c-2]
links:
  - [a, b-c]
  - [a-b, c]
  - [a-b-c, a]
  - [a-b-c, c]
  - [a-b-c, a-b]
  - [a-b, c-2]
`, PlanOptions{})
	var got []string
	for _, s := range p.Segments {
		got = append(got, s.Name)
	}
	if want := "a-b-c a-b-c-3 a-b-c-a a-b-c-c a-b-c-a-b a-b-c-2"; strings.Join(got, " ") != want {
		t.Errorf("segments %v, want %s", got, want)
	}
}
