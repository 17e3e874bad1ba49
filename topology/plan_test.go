package topology

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
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

func TestValues(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
	}{{"10mbit", 1e7}, {"1.5gbit", 15e8}, {"512kbit", 512000}, {"64000bit", 64000}, {"10Mbit", 1e7}, {"0", 0}} {
		got, err := ParseRate(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseRate(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
		if back, _ := ParseRate(FormatRate(got)); back != got {
			t.Errorf("FormatRate(%d) = %q does not read back", got, FormatRate(got))
		}
	}
	for _, bad := range []string{"10mbps", "10", "fast", "-1mbit", "0.1bit", "nanmbit", "1e30gbit"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q): want an error", bad)
		}
	}
	for _, tc := range []struct {
		in   string
		want float64
	}{{"0.5%", 0.005}, {"100%", 1}, {"0", 0}, {"0%", 0}} {
		if got, err := ParseLoss(tc.in); err != nil || got != tc.want {
			t.Errorf("ParseLoss(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	if got := FormatLoss(0.005); got != "0.5%" {
		t.Errorf("FormatLoss(0.005) = %q", got)
	}
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{{0, "0"}, {2 * time.Second, "2s"}, {1500 * time.Millisecond, "1500ms"}, {250 * time.Microsecond, "250us"}, {time.Minute, "60s"}, {7, "7ns"}} {
		if got := FormatDuration(tc.d); got != tc.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

// A Topology built in Go, without a file, plans too: roles and defaults are
// filled in, and problems are reported without positions.
func TestBuildPlanFromGo(t *testing.T) {
	top := &Topology{Name: "go", Layout: Star, Nodes: []Node{{Name: "a"}, {Name: "b"}, {Name: "c", Role: RoleHub}}}
	p, err := BuildPlan(top, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkPlan(t, p)
	if got := p.Summary(); got != "star, 3 nodes, 2 segments" {
		t.Errorf("summary %q", got)
	}
	if n, _ := p.Node("a"); n.Role != RoleSpoke {
		t.Errorf("a has role %q, want spoke", n.Role)
	}
	if top.Nodes[0].Role != "" {
		t.Error("BuildPlan modified its Topology")
	}
	if p.Traffic.Protocol != TCP || p.Traffic.Size != DefaultSize || p.Pool.String() != DefaultPool {
		t.Errorf("defaults not filled in: %+v %s", p.Traffic, p.Pool)
	}

	bad := &Topology{Name: "go", Layout: Custom, Nodes: []Node{{Name: "a"}, {Name: "b"}},
		Links:   []Link{{Endpoints: []string{"a", "zz"}}},
		Traffic: Traffic{Protocol: "icmp", Interval: time.Nanosecond},
		Link:    Impairment{Loss: 2}}
	_, err = BuildPlan(bad, PlanOptions{})
	want := `link: loss 2 is out of range 0..1 (a fraction)
links[0]: "zz" is not a node
traffic.interval: 1ns is shorter than 10ms: use at least 10ms, or 0 to turn traffic off
traffic.protocol: "icmp" is not tcp or udp`
	if err == nil || !sameLines(err.Error(), want) {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
	if _, err := BuildPlan(nil, PlanOptions{}); err == nil {
		t.Error("BuildPlan(nil): want an error")
	}
}

// The limits that depend on the whole topology hold for one built in Go.
func TestLimitsFromGo(t *testing.T) {
	nodes := func(n int) []Node {
		out := make([]Node, n)
		for i := range out {
			out[i].Name = fmt.Sprintf("n%d", i+1)
		}
		return out
	}
	mesh := func(n int) []Link {
		var out []Link
		for i := 1; i <= n; i++ {
			for j := i + 1; j <= n; j++ {
				out = append(out, Link{Endpoints: []string{fmt.Sprintf("n%d", i), fmt.Sprintf("n%d", j)}})
			}
		}
		return out
	}
	ok := []*Topology{
		// TCP point-to-point links carry the largest payload.
		{Name: "a", Layout: Star, Nodes: nodes(3), Traffic: Traffic{Size: MaxSize}},
		{Name: "a", Layout: ClientServer, Nodes: nodes(3), Traffic: Traffic{Size: MaxSize}},
		{Name: "a", Layout: Custom, Nodes: nodes(3), Links: mesh(3), Traffic: Traffic{Size: MaxSize}},
		// Datagrams carry MaxDatagramPayload.
		{Name: "a", Layout: Bus, Nodes: nodes(3), Traffic: Traffic{Size: MaxDatagramPayload}},
		{Name: "a", Layout: Ring, Nodes: nodes(3), Traffic: Traffic{Protocol: UDP, Size: MaxDatagramPayload}},
		// A ring of MaxNodes has MaxSegments segments; a custom layout may too.
		{Name: "a", Layout: Ring, Nodes: nodes(MaxNodes)},
		{Name: "a", Layout: Custom, Nodes: nodes(23), Links: mesh(23)[:MaxSegments]},
		// 40 + 1 + 22 characters make a 63-character hostname.
		{Name: strings.Repeat("t", MaxNameLen), Layout: Bus, Nodes: []Node{{Name: strings.Repeat("n", 22)}, {Name: "b"}}},
	}
	for i, top := range ok {
		if _, err := BuildPlan(top, PlanOptions{}); err != nil {
			t.Errorf("ok[%d]: %v", i, err)
		}
	}
	bad := []struct {
		top  *Topology
		want string
	}{{
		&Topology{Name: "a", Layout: Star, Nodes: nodes(3), Traffic: Traffic{Protocol: UDP, Size: MaxDatagramPayload + 1}},
		"traffic.size: 57001 bytes is too large for protocol udp: a datagram holds 65507 bytes, frame header (names and path) included, and a larger frame is dropped as oversize; use at most 57000 bytes, or protocol tcp (TCP carries up to 65536)",
	}, {
		&Topology{Name: "a", Layout: Custom, Nodes: nodes(3), Links: []Link{{Endpoints: []string{"n1", "n2", "n3"}}}, Traffic: Traffic{Size: MaxSize}},
		"traffic.size: 65536 bytes is too large for the shared segment of links[0], which carries frames as UDP datagrams: a datagram holds 65507 bytes, frame header (names and path) included, and a larger frame is dropped as oversize; use at most 57000 bytes, or split links[0] into point-to-point links (TCP carries up to 65536)",
	}, {
		&Topology{Name: "a", Layout: Custom, Nodes: nodes(23), Links: mesh(23)},
		"links: 253 links make as many Docker networks, more than the 250 a topology may have: Docker creates networks one at a time (about 70ms each); put nodes that talk among themselves on one shared segment, like - [a, b, c, d]",
	}, {
		&Topology{Name: strings.Repeat("t", MaxNameLen), Layout: Bus, Nodes: []Node{{Name: strings.Repeat("n", 23)}, {Name: "b"}}},
		`node "nnnnnnnnnnnnnnnnnnnnnnn": its container name "tttttttttttttttttttttttttttttttttttttttt-nnnnnnnnnnnnnnnnnnnnnnn" is 64 characters, more than the 63 a hostname may have: shorten the node name or the topology name`,
	}, {
		&Topology{Name: "a", Layout: Bus, Nodes: []Node{{Name: "b-"}, {Name: "c"}}},
		`node name "b-" is not valid: use lowercase letters, digits and dashes, starting and ending with a letter or digit, at most 30 characters`,
	}}
	for i, tc := range bad {
		_, err := BuildPlan(tc.top, PlanOptions{})
		if err == nil || err.Error() != tc.want {
			t.Errorf("bad[%d]: got\n%v\nwant\n%s", i, err, tc.want)
		}
	}
}

func TestCheckName(t *testing.T) {
	for _, name := range []string{"a", "lab-7", "0x", strings.Repeat("a", MaxNameLen)} {
		if err := CheckName(name); err != nil {
			t.Errorf("CheckName(%q): %v", name, err)
		}
	}
	for _, name := range []string{"", "-a", "a-", "lab--", "A", "a_b", strings.Repeat("a", MaxNameLen+1)} {
		if err := CheckName(name); err == nil {
			t.Errorf("CheckName(%q): want an error", name)
		}
	}
}

func sameLines(a, b string) bool {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	if len(x) != len(y) {
		return false
	}
	seen := map[string]int{}
	for _, l := range x {
		seen[l]++
	}
	for _, l := range y {
		seen[l]--
	}
	for _, v := range seen {
		if v != 0 {
			return false
		}
	}
	return true
}

func TestHash(t *testing.T) {
	a, err := Parse("a.yaml", []byte("name: x\nlayout: star\nnodes: 3\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse("elsewhere/b.yaml", []byte("# same thing\nname: x\nlayout: star\nnodes: [hub, spoke1, spoke2]\ntraffic: {interval: 2s}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if a.Hash() != b.Hash() {
		t.Error("equivalent topologies hash differently")
	}
	if len(a.Hash()) != 64 {
		t.Errorf("hash %q is not hex sha256", a.Hash())
	}
	c, _ := Parse("a.yaml", []byte("name: x\nlayout: star\nnodes: 4\n"))
	if a.Hash() == c.Hash() {
		t.Error("different topologies hash the same")
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "my-lab.yml")
	if err := os.WriteFile(f, []byte("layout: bus\nnodes: 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	top, err := Load(f)
	if err != nil {
		t.Fatal(err)
	}
	if top.Name != "my-lab" || top.File != f {
		t.Errorf("name %q file %q", top.Name, top.File)
	}
	_, err = Load(filepath.Join(dir, "missing.yaml"))
	var list ErrorList
	if !errors.Is(err, os.ErrNotExist) || errors.As(err, &list) {
		t.Errorf("missing file: got %v, want a not-exist error that is not an ErrorList", err)
	}
	if _, err := Parse("", []byte("layout: bus\nnodes: 2\n")); err == nil || !strings.Contains(err.Error(), "set name:") {
		t.Errorf("no file and no name: got %v", err)
	}
}

func TestErrorFormat(t *testing.T) {
	for _, tc := range []struct {
		e    Error
		want string
	}{
		{Error{"f.yaml", 3, 7, "bad"}, "f.yaml:3:7: bad"},
		{Error{"f.yaml", 0, 0, "bad"}, "f.yaml: bad"},
		{Error{"", 2, 1, "bad"}, "2:1: bad"},
		{Error{"", 0, 0, "bad"}, "bad"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
	_, err := Parse("x.yaml", []byte("layout: star\nnodes: 1\ntraffic: {size: 0}\n"))
	var e *Error
	if !errors.As(err, &e) || e.Line != 2 {
		t.Errorf("errors.As(*Error) = %v", e)
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

func TestTooManyErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString("layout: custom\nnodes: [a, b]\nlinks:\n")
	for i := range 150 {
		fmt.Fprintf(&b, "  - [a, x%d]\n", i)
	}
	_, err := Parse("many.yaml", []byte(b.String()))
	var list ErrorList
	if !errors.As(err, &list) || len(list) != maxErrors+1 {
		t.Fatalf("got %d errors, want %d and a summary", len(list), maxErrors)
	}
	if got := list[maxErrors].Error(); got != "many.yaml: 50 more problems not shown: fix these first" {
		t.Errorf("last line %q", got)
	}
}
