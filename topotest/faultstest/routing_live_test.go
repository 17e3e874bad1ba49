package faultstest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
	"github.com/topo-dev/topo/topotest"
)

// routedLayouts are topologies whose every node runs a user's own image
// (busybox), each with a pair of nodes to test: in the first four they
// share no segment, in a bus and a p2p mesh every pair does.
var routedLayouts = []struct {
	name, nodes, extra, from, to string
}{
	{"star", "[hub, spoke1, spoke2, spoke3]", "", "spoke1", "spoke3"},
	{"ring", "[node1, node2, node3, node4, node5]", "", "node1", "node3"},
	{"client-server", "[server, client1, client2]", "", "client1", "client2"},
	{"custom", "[a, b, c, d, e]", "links: [[a, b], {endpoints: [b, c, d]}, [d, e]]\n", "a", "e"},
	{"bus", "[alpha, bravo, charlie]", "", "alpha", "charlie"}, // one segment: direct
	{"p2p", "[peer1, peer2, peer3]", "", "peer1", "peer3"},     // a full mesh: direct
}

// busyboxTopology writes a topology file of the layout whose nodes all run
// busybox: a web server that answers /pong with "pong", with NET_RAW so
// that traceroute works.
func busyboxTopology(t *testing.T, image, layout, nodes, extra, routing string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "layout: %s\nnodes:\n", layout)
	for _, n := range strings.Split(strings.Trim(nodes, "[]"), ", ") {
		fmt.Fprintf(&b, "  - {name: %s, image: %q, capabilities: [NET_RAW], command: [/bin/busybox, sh, -c, %q]}\n",
			n, image, "echo pong > /pong && exec /bin/busybox httpd -f -p 8080 -h /")
	}
	b.WriteString(extra)
	if routing != "" {
		fmt.Fprintf(&b, "network: {routing: %s}\n", routing)
	}
	file := filepath.Join(t.TempDir(), layout+".yaml")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestIntegrationIPRouting: users' own software on two nodes that share no
// segment reaches one another by address and by name, and a traceroute
// shows the layout's path.
func TestIntegrationIPRouting(t *testing.T) {
	livetest.Require(t)
	image := livetest.Busybox(t, livetest.Runtime(t))
	for _, l := range routedLayouts {
		t.Run(l.name, func(t *testing.T) {
			t.Parallel()
			file := busyboxTopology(t, image, l.name, l.nodes, l.extra, "")
			top := topotest.Up(t, file, topotest.WithName(livetest.Name(t, "ip-"+strings.ReplaceAll(l.name, "client-server", "cs"))))
			to, _ := top.Plan.AddrFrom(l.from, l.to)
			for _, target := range []string{to.String(), l.to, top.Container(l.to)} {
				code, out := top.Exec(t, l.from, fetch(5, "http://"+target+":8080/pong")...)
				if code != 0 || strings.TrimSpace(out) != "pong" {
					t.Errorf("%s → %s (%s): exit %d: %s", l.from, l.to, target, code, out)
				}
			}
			want, _ := top.Plan.Path(l.from, l.to)
			if got := traceroute(t, top, l.from, to.String()); !slices.Equal(got, want[1:]) {
				t.Errorf("traceroute %s → %s: %v, want %v", l.from, l.to, got, want[1:])
			}
			r, err := top.Orchestrator().Trace(context.Background(), top.Name, orchestrator.TraceOptions{From: l.from, To: l.to})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range r.Hops {
				got = append(got, h.Node)
			}
			if !r.Reached || !slices.Equal(got, want[1:]) {
				t.Errorf("topo trace %s → %s: %+v, want %v", l.from, l.to, r, want[1:])
			}
		})
	}
}

// TestIntegrationRoutingNone: with routing none, only nodes that share a
// segment reach each other, as before routing.
func TestIntegrationRoutingNone(t *testing.T) {
	livetest.Require(t)
	image := livetest.Busybox(t, livetest.Runtime(t))
	l := routedLayouts[0]
	file := busyboxTopology(t, image, l.name, l.nodes, l.extra, "none")
	top := topotest.Up(t, file, topotest.WithName(livetest.Name(t, "ip-none")))
	if top.Plan.Routing != topology.RoutingNone {
		t.Fatalf("routing %q", top.Plan.Routing)
	}
	far, _ := top.Plan.Node(l.to)
	for _, addr := range far.Addresses {
		if code, out := top.Exec(t, l.from, fetch(2, "http://"+addr.String()+":8080/pong")...); code == 0 {
			t.Errorf("%s reached %s at %s with routing none: %s", l.from, l.to, addr, out)
		}
	}
}

// fetch is a busybox command line that gets url within seconds. busybox's
// own wget -T crashes (exit 139) in Debian's busybox-static 1.35.
func fetch(seconds int, url string) []string {
	return []string{"/bin/busybox", "timeout", fmt.Sprint(seconds), "/bin/busybox", "wget", "-q", "-O", "-", url}
}

var hopAddr = regexp.MustCompile(`(?m)^\s*\d+\s+(\d+\.\d+\.\d+\.\d+)`)

// traceroute runs busybox traceroute in from and names each hop by the
// plan's addresses.
func traceroute(t *testing.T, top *topotest.Topology, from, addr string) []string {
	t.Helper()
	code, out := top.Exec(t, from, "/bin/busybox", "traceroute", "-n", "-q", "1", "-w", "2", "-m", "10", addr)
	if code != 0 {
		t.Fatalf("traceroute from %s: exit %d: %s", from, code, out)
	}
	owner := map[string]string{}
	for _, n := range top.Plan.Nodes {
		for _, a := range n.Addresses {
			owner[a.String()] = n.Name
		}
	}
	var hops []string
	for _, m := range hopAddr.FindAllStringSubmatch(out, -1) {
		name, ok := owner[m[1]]
		if !ok {
			name = m[1]
		}
		hops = append(hops, name)
	}
	return hops
}

// TestIntegrationAgentsBesideUsersImages: topo's agents next to users' own
// images get ready without hellos from them, show those links as foreign,
// and forward IP for them; users' software reaches across an agent.
func TestIntegrationAgentsBesideUsersImages(t *testing.T) {
	livetest.Require(t)
	image := livetest.Busybox(t, livetest.Runtime(t))
	web := fmt.Sprintf("{image: %q, command: [/bin/busybox, sh, -c, %q]}", image, "echo pong > /pong && exec /bin/busybox httpd -f -p 8080 -h /")
	for _, tc := range []struct {
		name, yaml, agentNode, from, to string
	}{
		{"star", "layout: star\nnodes:\n  - hub\n  - " + strings.Replace(web, "{", "{name: spoke1, ", 1) + "\n  - " + strings.Replace(web, "{", "{name: spoke2, ", 1) + "\n",
			"hub", "spoke1", "spoke2"},
		{"cs", "layout: client-server\nnodes:\n  - " + strings.Replace(web, "{", "{name: server, ", 1) + "\n  - client1\n  - client2\n",
			"client1", "client1", "server"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(t.TempDir(), tc.name+".yaml")
			if err := os.WriteFile(file, []byte(tc.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			top := topotest.Up(t, file, topotest.WithName(livetest.Name(t, "mixed-"+tc.name)))
			for _, n := range top.Status(t).Nodes {
				if !n.Ready {
					t.Errorf("%s is not ready: %+v", n.Name, n)
				}
				if n.Name != tc.agentNode {
					continue
				}
				for _, l := range n.Links {
					if p, _ := top.Plan.Node(l.Neighbor); p.Image != "" && l.State != "foreign" {
						t.Errorf("%s's link to %s, which runs its own image, is %s, want foreign", n.Name, l.Neighbor, l.State)
					}
				}
			}
			if tc.from != tc.agentNode {
				code, out := top.Exec(t, tc.from, fetch(5, "http://"+tc.to+":8080/pong")...)
				if code != 0 || strings.TrimSpace(out) != "pong" {
					t.Errorf("%s → %s across an agent: exit %d: %s", tc.from, tc.to, code, out)
				}
				// CanReach from a node running a user's own image, which
				// holds no agent to dial with: yes to the agent next door
				// and to the web server across it, no to a closed port.
				hub, _ := top.Plan.Node(tc.agentNode)
				agentAddr := hub.Addresses[tc.agentNode+"-"+tc.from].String()
				if !top.CanReach(t, tc.from, agentAddr) || !top.CanReach(t, tc.from, tc.to+":8080") {
					t.Errorf("%s cannot reach %s:7000 or %s:8080", tc.from, agentAddr, tc.to)
				}
				if top.CanReach(t, tc.from, agentAddr+":1") {
					t.Errorf("%s reaches %s:1, where nothing listens", tc.from, agentAddr)
				}
			} else if r := top.Send(t, tc.from, tc.to, "to your image"); r.Delivered || r.Reason != "no_agent" {
				t.Errorf("an agent's message to a user's image: %+v, want no_agent", r)
			}
		})
	}
}
