package orchestrator_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/orchestrator"
)

// genuineSends is how many messages client1 really sends client2.
const genuineSends = 3

// TestIntegrationForger (#31 item 1): a node that runs a user's own image,
// the forger (node/internal/forger), shares a client-server LAN with the server
// and two clients. It claims to be client1 to the server, and to be the
// server passing frames on from client1 to client2, over TCP and UDP:
// hellos naming them and a few hundred data frames from client1 to client2
// (and to the server), unsealed and sealed with a key it made up. It finds
// no key in its config; the server and client2 refuse what it sent, the
// server keeps its link to client1 (every connection it took for client1
// came from client1's address), and no node counts or logs a forged frame
// as delivered or forwarded: client2 has exactly the messages client1
// sent. The attack runs (topo exec, in the forger's container) once up
// has every agent's links up, so what it tries to take over is a link
// that is up. With the traffic on TCP, the agents' links are TCP
// connections; on UDP, datagrams.
//
// Without the segment keys (every config without one), each check but the
// first fails: the server answers the forger's hello and takes its
// connection for client1, refuses nothing, and client2 delivers hundreds
// of forged frames.
func TestIntegrationForger(t *testing.T) {
	t.Parallel()
	o := livetest.Engine(t)
	image := livetest.Program(t, o.Runtime(), "./node/internal/forger")
	for _, proto := range []string{"tcp", "udp"} {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			top := parse(t, fmt.Sprintf(`layout: client-server
nodes:
  - {name: server, role: server}
  - client1
  - client2
  - {name: forger, image: %q}
traffic: {protocol: %s, interval: 0}
`, image, proto))
			name := up(t, o, top, "forge"+proto).Name
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			marker := "forged-" + randomHex(6)
			sum := runForger(ctx, t, o, name, marker)
			checkRefused(ctx, t, o, name, sum)
			for i := range genuineSends {
				r, err := o.Send(ctx, name, orchestrator.SendOptions{From: "client1", To: "client2", Text: fmt.Sprintf("genuine %d", i)})
				if err != nil || !r.Delivered || !slices.Equal(r.Path, []string{"client1", "server", "client2"}) {
					t.Errorf("genuine send %d from client1 to client2: %+v, %v", i, r, err)
				}
			}
			checkCounted(ctx, t, o, name)
			checkLogs(ctx, t, o, name, marker)
		})
	}
}

// forgerSummary is the forger's last line: what it managed to send, e.g.
// "tcp_server" connections to the server, "udp_client2" datagrams to client2.
type forgerSummary map[string]int

var (
	summaryLine = regexp.MustCompile(`(?m)^summary:(( \w+=\d+)+)$`)
	summaryPair = regexp.MustCompile(`(\w+)=(\d+)`)
)

// runForger runs the forger's attack in its container and checks what it
// says: no key in its config, an attack that reached the server and
// client2, and not a frame back from either.
func runForger(ctx context.Context, t *testing.T, o *orchestrator.Orchestrator, name, marker string) forgerSummary {
	t.Helper()
	var out strings.Builder
	code, err := o.Exec(ctx, name, orchestrator.ExecOptions{Node: "forger", Stdout: &out, Stderr: &out,
		Cmd: []string{"/forger", "attack", "-as", "client1", "-to", "client2", "-marker", marker, "-n", "100"}})
	text := out.String()
	t.Logf("the forger says:\n%s", text)
	if err != nil || code != 0 {
		t.Fatalf("forger attack: exit %d, %v", code, err)
	}
	if !strings.Contains(text, "config: keys=0 secret=no\n") {
		t.Errorf("the forger, which runs a user's image, found a key or the secret in its config")
	}
	m := summaryLine.FindStringSubmatch(text)
	if m == nil {
		t.Fatal("the forger printed no summary")
	}
	sum := forgerSummary{}
	for _, kv := range summaryPair.FindAllStringSubmatch(m[1], -1) {
		sum[kv[1]], _ = strconv.Atoi(kv[2])
	}
	for _, k := range []string{"tcp_server", "udp_server", "tcp_client2", "udp_client2", "data_frames"} {
		if sum[k] == 0 {
			t.Fatalf("the forger did not get its frames out (%s=0): %v", k, sum)
		}
	}
	if sum["answered"] != 0 || strings.Contains(text, "RECEIVED") {
		t.Errorf("the server or client2 answered the forger's hello, or sent it frames")
	}
	return sum
}

// checkRefused checks that the server and client2 refused the forger's
// connections: each one's hello, before they closed it, which the forger
// waited for. It first waits a little for the forger's datagrams to be
// refused too, but those come on a socket of their own, which the kernel
// may have dropped some from, so their count is only logged.
func checkRefused(ctx context.Context, t *testing.T, o *orchestrator.Orchestrator, name string, sum forgerSummary) {
	t.Helper()
	refused := func(node string) uint64 { return nodeStatus(ctx, t, o, name, node).Stats.Refused }
	for _, node := range []string{"server", "client2"} {
		conns, datagrams := sum["tcp_"+node], sum["udp_"+node]
		var n uint64
		for deadline := time.Now().Add(10 * time.Second); ; {
			if n = refused(node); n >= uint64(conns+datagrams) || time.Now().After(deadline) || ctx.Err() != nil {
				break
			}
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
		}
		t.Logf("%s refused %d frames; the forger opened %d connections to it and sent it %d datagrams", node, n, conns, datagrams)
		if n < uint64(conns) {
			t.Errorf("%s refused %d frames, fewer than the forger's %d connections", node, n, conns)
		}
	}
}

// checkCounted checks the counters and the links after the genuine sends:
// the server forwarded those and nothing else, client2 has those and
// nothing else, and the links between client1 and the server are up.
func checkCounted(ctx context.Context, t *testing.T, o *orchestrator.Orchestrator, name string) {
	t.Helper()
	st, err := o.Status(ctx, name, orchestrator.StatusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct{ delivered, forwarded uint64 }{
		"server": {0, genuineSends}, "client1": {0, 0}, "client2": {genuineSends, 0},
	}
	for _, n := range st.Nodes {
		w, ok := want[n.Name]
		if !ok {
			continue
		}
		c := n.Stats.Counters
		if c.Delivered != w.delivered || c.Forwarded != w.forwarded || c.Ignored != 0 || c.Dropped != 0 {
			t.Errorf("%s counted %+v; want %d delivered, %d forwarded, none ignored or dropped", n.Name, c, w.delivered, w.forwarded)
		}
	}
	for _, l := range [][2]string{{"server", "client1"}, {"client1", "server"}} {
		n := nodeStatus(ctx, t, o, name, l[0])
		i := slices.IndexFunc(n.Links, func(s orchestrator.LinkStatus) bool { return s.Neighbor == l[1] })
		if i < 0 || n.Links[i].State != "up" {
			t.Errorf("%s's link to %s: %+v, want up", l[0], l[1], n.Links)
		}
	}
}

// checkLogs checks the agents' logs: no line of theirs holds the forger's
// marker (a delivery logs the text it carried), and every connection the
// server took for client1 came from client1's address on the LAN.
func checkLogs(ctx context.Context, t *testing.T, o *orchestrator.Orchestrator, name, marker string) {
	t.Helper()
	client1 := nodeStatus(ctx, t, o, name, "client1").Addresses["lan"]
	connections, forged := 0, 0
	err := o.Logs(ctx, name, orchestrator.LogsOptions{Nodes: []string{"server", "client1", "client2"}}, func(l orchestrator.LogLine) error {
		if strings.Contains(l.Text, marker) {
			if forged++; forged <= 3 {
				t.Errorf("%s logged a frame the forger made: %s", l.Node, l.Text)
			}
		}
		ev := agent.ParseEvent(l.Node, l.Text)
		if l.Node != "server" || ev.Event != agent.EvConnection || ev.Peer != "client1" {
			return nil
		}
		connections++
		addr, _ := ev.Fields[agent.FieldAddr].(string)
		if host, _, err := net.SplitHostPort(addr); err != nil || host != client1 {
			t.Errorf("the server took a connection for client1 from %s, not from client1's address %s: %s", addr, client1, l.Text)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if forged > 3 {
		t.Errorf("and %d more lines of frames the forger made", forged-3)
	}
	if connections == 0 {
		t.Errorf("the server logged no connection from client1")
	}
}

func nodeStatus(ctx context.Context, t *testing.T, o *orchestrator.Orchestrator, name, node string) orchestrator.NodeStatus {
	t.Helper()
	st, err := o.Status(ctx, name, orchestrator.StatusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(st.Nodes, func(n orchestrator.NodeStatus) bool { return n.Name == node })
	if i < 0 {
		t.Fatalf("no node %s in the status of %s", node, name)
	}
	return st.Nodes[i]
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
