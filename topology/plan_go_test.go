package topology

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

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
