package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// TestIntegrationEndToEnd drives the built binary through a user's session:
// up, status, send, logs, exec, ls, down, down again.
func TestIntegrationEndToEnd(t *testing.T) {
	livetest.Require(t)
	name := livetest.Name(t, "star")
	t.Cleanup(func() { topo(t, nil, "down", name) })

	up := topo(t, nil, "up", "--name", name, "../../topologies/star.yaml").must(t, 0)
	for _, want := range []string{name + " is up", "spoke4", "topo down " + name} {
		if !strings.Contains(up.stdout, want) {
			t.Errorf("up output lacks %q:\n%s", want, up.stdout)
		}
	}
	if !strings.Contains(up.stderr, "ready") {
		t.Errorf("up shows no progress on stderr:\n%s", up.stderr)
	}
	again := topo(t, nil, "up", "--name", name, "../../topologies/star.yaml").must(t, 0)
	if !strings.Contains(again.stdout, "already running") {
		t.Errorf("second up: %s", again.stdout)
	}

	statusJSON := topo(t, nil, "status", name, "-o", "json").must(t, 0).stdout
	checkKeys(t, statusJSON, []string{"name", "layout", "nodes", "segments"},
		map[string][]string{
			"nodes":    {"name", "container", "state", "ready", "addresses", "neighbors", "stats"},
			"segments": {"name", "network", "subnet", "members"},
		})
	var st orchestrator.Status
	decode(t, statusJSON, &st)
	if len(st.Nodes) != 5 || len(st.Segments) != 4 || st.Layout != "star" {
		t.Fatalf("status: %+v", st)
	}
	for _, n := range st.Nodes {
		if !n.Ready || n.State != "running" || len(n.Neighbors) == 0 {
			t.Errorf("node %s: %+v", n.Name, n)
		}
	}
	table := topo(t, nil, "status", "-t", name).must(t, 0).stdout
	if !strings.Contains(table, "NEIGHBOURS") || !strings.Contains(table, "hub-spoke3") {
		t.Errorf("status table:\n%s", table)
	}
	for _, l := range strings.Split(table, "\n") {
		if len([]rune(l)) > 100 {
			t.Errorf("status table wider than 100 columns:\n%s", table)
			break
		}
	}

	sendJSON := topo(t, nil, "send", "-t", name, "-o", "json", "--", "spoke1", "spoke3", "-dash", "first").must(t, 0).stdout
	checkKeys(t, sendJSON, []string{"id", "from", "to", "delivered", "path", "rtt_ms"}, nil)
	var r agent.Receipt
	decode(t, sendJSON, &r)
	if !r.Delivered || !slices.Equal(r.Path, []string{"spoke1", "hub", "spoke3"}) || r.RTTMs <= 0 {
		t.Errorf("send: %+v", r)
	}
	// A running topology's plan, as it runs: by its name instead of a file.
	var live topology.Plan
	decode(t, topo(t, nil, "validate", "--plan", "-o", "json", name).must(t, 0).stdout, &live)
	if live.Name != name || len(live.Nodes) != 5 || live.Segments[0].Subnet.String() != st.Segments[0].Subnet {
		t.Errorf("the live plan of %s: %+v", name, live)
	}
	if g := topo(t, nil, "graph", name).must(t, 0).stdout; !strings.Contains(g, "spoke3") {
		t.Errorf("graph of a running topology:\n%s", g)
	}

	// Faults: a link goes down and comes back; a bad link is a usage error.
	if out := topo(t, nil, "link", "-t", name, "hub", "spoke1", "down").must(t, 0).stdout; !strings.Contains(out, "link hub–spoke1 down") {
		t.Errorf("link down: %s", out)
	}
	if out := topo(t, nil, "faults", "-t", name, "-o", "json").must(t, 0).stdout; !strings.Contains(out, `"kind": "link_down"`) {
		t.Errorf("faults -o json: %s", out)
	}
	if bad := topo(t, nil, "link", "-t", name, "spoke1", "spoke2", "down").must(t, 2); !strings.Contains(bad.stderr, "share no segment") {
		t.Errorf("a link that is not one: %s", bad.stderr)
	}
	if out := topo(t, nil, "link", "-t", name, "hub", "spoke1", "up").must(t, 0).stdout; !strings.Contains(out, "no faults in force") {
		t.Errorf("link up: %s", out)
	}
	topo(t, nil, "node", "-t", name, "restart", "spoke4").must(t, 0)
	imp := topo(t, nil, "impair", "-t", name, "hub", "spoke2", "--delay", "250ms").must(t, 0)
	if !strings.Contains(imp.stdout, "link hub–spoke2 impaired: delay=250ms") || !strings.Contains(imp.stderr, "no netem") {
		t.Errorf("impair --delay: %s%s", imp.stdout, imp.stderr)
	}
	var slow agent.Receipt
	decode(t, topo(t, nil, "send", "-t", name, "-o", "json", "hub", "spoke2", "slowly").must(t, 0).stdout, &slow)
	if slow.RTTMs < 500 {
		t.Errorf("send across a link delayed 250ms each way: %+v", slow)
	}
	// A second impair adds to the first.
	if out := topo(t, nil, "impair", "-t", name, "hub", "spoke2", "--loss", "0.5%").must(t, 0).stdout; !strings.Contains(out, "link hub–spoke2 impaired: delay=250ms loss=0.5%") {
		t.Errorf("impair --loss after --delay: %s", out)
	}
	if bad := topo(t, nil, "impair", "-t", name, "hub", "spoke2").must(t, 2); !strings.Contains(bad.stderr, "give --delay, --jitter, --loss or --rate") {
		t.Errorf("impair with nothing to do: %s", bad.stderr)
	}
	topo(t, nil, "impair", "-t", name, "--all", "--clear").must(t, 0)
	if out := topo(t, nil, "impair", "-t", name, "hub", "spoke2", "--clear").must(t, 0).stdout; !strings.Contains(out, "no faults in force") {
		t.Errorf("impair --clear: %s", out)
	}
	if out := topo(t, nil, "traffic", "-t", name, "off").must(t, 0).stdout; !strings.Contains(out, "background traffic off on 5 nodes") {
		t.Errorf("traffic off: %s", out)
	}
	topo(t, nil, "traffic", "-t", name, "on").must(t, 0)

	// IP follows the layout too: spoke1 reaches spoke3 through the hub.
	var tr agent.TraceResult
	decode(t, topo(t, nil, "trace", "-t", name, "-o", "json", "spoke1", "spoke3").must(t, 0).stdout, &tr)
	if len(tr.Hops) != 2 || tr.Hops[0].Node != "hub" || tr.Hops[1].Node != "spoke3" || !tr.Reached {
		t.Errorf("trace spoke1 → spoke3: %+v", tr)
	}
	if out := topo(t, nil, "trace", "-t", name, "spoke1", "spoke3").must(t, 0).stdout; !strings.Contains(out, "trace spoke1 → spoke3") || !strings.Contains(out, "hub") {
		t.Errorf("trace text:\n%s", out)
	}
	text := topo(t, nil, "send", "-t", name, "spoke2", "hub", "hi").must(t, 0).stdout
	if !strings.Contains(text, "spoke2 → hub in 1 hop,") {
		t.Errorf("send text: %s", text)
	}
	followID(t, name, text)
	if b := topo(t, nil, "send", "-t", name, "--count", "2000", "spoke1", "spoke3", "x").must(t, 0).stdout; !strings.Contains(b, "burst of 2000 delivered spoke1 → spoke3 in 2 hops: ") ||
		!strings.Contains(b, " messages a second") {
		t.Errorf("burst: %s", b)
	}
	if b := topo(t, nil, "send", "-t", name, "--count", "2", "spoke2", "*", "x").must(t, 2).stderr; !strings.Contains(b, "not to every node") {
		t.Errorf("burst broadcast: %s", b)
	}
	if b := topo(t, nil, "send", "-t", name, "spoke2", "*", "to all").must(t, 0).stdout; !strings.Contains(b, "broadcast from spoke2 sent") {
		t.Errorf("broadcast: %s", b)
	}
	bad := topo(t, nil, "send", "-t", name, "spoke1", "nosuch", "hi").must(t, 2)
	if !strings.Contains(bad.stderr, `no such node "nosuch"; its nodes are hub, spoke1`) {
		t.Errorf("send to an unknown node: %+v", bad)
	}

	logs := topo(t, nil, "logs", "-t", name, "hub", "spoke3").must(t, 0).stdout
	if !strings.Contains(logs, "hub ") || !strings.Contains(logs, "spoke3 ") || strings.Contains(logs, "spoke1  |") {
		t.Errorf("logs of hub and spoke3:\n%s", logs)
	}
	raw := topo(t, nil, "logs", "-t", name, "-o", "json", "--tail", "5").must(t, 0).stdout
	for _, line := range strings.Split(strings.TrimSpace(raw), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("logs -o json line is not JSON: %q", line)
		}
	}

	follow(t, name)

	stats := topo(t, nil, "exec", "-t", name, "hub", "--", "/topo-node", "stats").must(t, 0).stdout
	if !strings.Contains(stats, `"name":"hub"`) {
		t.Errorf("exec stats: %s", stats)
	}
	if sh := topo(t, nil, "exec", "-t", name, "hub", "--", "sh").must(t, 2).stderr; !strings.Contains(sh, "no shell") || !strings.Contains(sh, "/topo-node stats") {
		t.Errorf("exec sh on an agent node:\n%s", sh)
	}
	if c := topo(t, nil, "__complete", "send", "-t", name, "spoke1", "").must(t, 0).stdout; !strings.Contains(c, "spoke3\n") || !strings.Contains(c, "hub\n") {
		t.Errorf("completion of send's TO:\n%s", c)
	}

	// A partition warns of a group that cannot reach itself; a paused node
	// is a fault in force; unpausing a running one is one line, exit 2.
	part := topo(t, nil, "partition", "-t", name, "spoke1,spoke2").must(t, 0)
	if !strings.Contains(part.stderr, "warning: group spoke1,spoke2: spoke1 cannot reach spoke2: they connect only through hub, in another group") {
		t.Errorf("partition of two spokes without their hub: %s", part.stderr)
	}
	topo(t, nil, "heal", "-t", name).must(t, 0)
	if out := topo(t, nil, "node", "-t", name, "pause", "spoke3").must(t, 0).stdout; !strings.Contains(out, "node spoke3 paused by topo at ") {
		t.Errorf("node pause: %s", out)
	}
	if bad := topo(t, nil, "node", "-t", name, "unpause", "spoke4").must(t, 2).stderr; bad != "topo: node unpause: node spoke4 is not paused (it is running)\n" {
		t.Errorf("unpause of a running node: %q", bad)
	}
	if out := topo(t, nil, "node", "-t", name, "unpause", "spoke3").must(t, 0).stdout; !strings.Contains(out, "no faults in force") {
		t.Errorf("node unpause: %s", out)
	}

	var tops []orchestrator.TopologyInfo
	decode(t, topo(t, nil, "ls", "-o", "json").must(t, 0).stdout, &tops)
	if !slices.ContainsFunc(tops, func(ti orchestrator.TopologyInfo) bool { return ti.Name == name && ti.Nodes == 5 }) {
		t.Errorf("ls: %+v", tops)
	}

	down := topo(t, nil, "down", name).must(t, 0).stdout
	if !strings.Contains(down, "5 containers, 4 networks") {
		t.Errorf("down: %s", down)
	}
	if again := topo(t, nil, "down", name).must(t, 0).stdout; !strings.Contains(again, "nothing to remove") {
		t.Errorf("second down: %s", again)
	}
}

// follow runs `topo logs -f` and waits for a line that a send made after it
// started, then for the start of the node after a restart (whose stream the
// engine ended when it stopped), then stops it as Ctrl-C would.
func follow(t *testing.T, name string) {
	t.Helper()
	cmd := exec.Command(topoBinary(t), "logs", "-t", name, "-f", "--tail", "1", "spoke4")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill() }()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// The stream is attached once its first line (the tail) arrives.
	select {
	case <-lines:
	case <-time.After(20 * time.Second):
		t.Fatal("logs -f printed nothing")
	}
	topo(t, nil, "send", "-t", name, "spoke1", "spoke4", "followed").must(t, 0)
	deadline := time.After(20 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("logs -f ended by itself")
			}
			if strings.HasPrefix(l, "spoke4") && strings.Contains(l, "delivered from spoke1") && strings.Contains(l, "bytes=8") {
				topo(t, nil, "node", "-t", name, "restart", "spoke4").must(t, 0)
			}
			if strings.HasPrefix(l, "spoke4") && strings.Contains(l, "node spoke4 started") {
				if err := cmd.Process.Signal(os.Interrupt); err != nil {
					t.Fatal(err)
				}
				go func() {
					for range lines { // drain, so that the reader can finish
					}
				}()
				if err := cmd.Wait(); err != nil {
					t.Errorf("logs -f after Ctrl-C: %v, want a clean exit", err)
				}
				return
			}
		case <-deadline:
			t.Fatal("logs -f never showed the delivery, then spoke4 started again")
		}
	}
}

// followID reads the message id from send's text and finds that message's
// way in the logs, with --id: sent, forwarded by the hub, delivered,
// receipted, in that order.
func followID(t *testing.T, name, sendText string) {
	t.Helper()
	_, rest, ok := strings.Cut(sendText, "id: ")
	id, _, _ := strings.Cut(rest, " ")
	if !ok || id == "" {
		t.Errorf("send prints no id:\n%s", sendText)
		return
	}
	raw := topo(t, nil, "logs", "-t", name, "-o", "json", "--id", id).must(t, 0).stdout
	var events []string
	for _, line := range strings.Split(strings.TrimSpace(raw), "\n") {
		ev := agent.ParseEvent("", line)
		if ev.ID != id {
			t.Errorf("logs --id %s gave %q", id, line)
		}
		events = append(events, ev.Node+" "+ev.Event)
	}
	if want := []string{"spoke2 send", "hub deliver", "spoke2 receipt"}; !slices.Equal(events, want) {
		t.Errorf("logs --id %s: %q, want %q", id, events, want)
	}
}
