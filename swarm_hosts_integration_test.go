package topo_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/topo-dev/topo"
	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// TestIntegrationSwarmOfThreeEngines brings a ring of four up on a swarm
// of three Docker engines on this machine (livetest.Swarm3) and checks
// what needs a node's host: the nodes spread over all three hosts and
// status says which; kernel routes (routing: ip) carry a connection and a
// trace two hops along the ring; a link cut, and a partition, between
// nodes on different hosts stop what crosses and their heal lets it
// through again; an impairment goes on and comes off; exec in a node on a
// worker host; messages across hosts, and their way in the merged logs; a
// node on a worker paused (status says so) and unpaused; on a star of two
// of a user's own image beside it, the node on a worker takes exec with
// input on a terminal, fetches a page by name from the hub's web server
// on the manager's host, probes it and is captured; a restarted node's
// new address in its neighbours' routes and hosts files; a worker's
// engine stopped is marked down by status, a message towards it is
// dropped with a reason, the books balance without its logs, and a
// `logs -f` goes on without them, saying so once; and down leaves
// nothing.
func TestIntegrationSwarmOfThreeEngines(t *testing.T) {
	c := livetest.Swarm3(t) // first, so that it is undone last
	// Under load (load average 15-20) up alone took 64 s, the checks 4 min.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	warned := &syncBuffer{} // the orchestrator's warnings, as topo prints them on stderr
	log := slog.New(slog.NewTextHandler(warned, &slog.HandlerOptions{Level: slog.LevelWarn}))
	o, closeFn, err := topo.Open(ctx, topo.Options{Engine: topo.EngineSwarm, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeFn)
	if !o.Capabilities().NetnsHelpers {
		t.Fatalf("capabilities %+v: every host's engine is labelled, helpers should run on each", o.Capabilities())
	}
	image, err := o.NodeImage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bb := livetest.Busybox(t, o.Runtime()) // before any up: removed once both are down
	c.LoadImages(t, image, bb)
	top, err := topology.Load("testdata/ring4.yaml")
	if err != nil {
		t.Fatal(err)
	}
	name, star := livetest.Name(t, "mh"), livetest.Name(t, "mhs")
	var starWG sync.WaitGroup // the star's up, which runs beside the checks
	t.Cleanup(func() { starWG.Wait(); downAll(t, o, c, name, star) })
	start := time.Now()
	if _, err := o.Up(ctx, top, orchestrator.UpOptions{Name: name}); err != nil {
		t.Fatalf("up: %v", err)
	}
	t.Logf("up of %d nodes on %d engines took %v", len(top.Nodes), len(c.Hosts), time.Since(start).Round(time.Millisecond))
	// The star with a user's node on a worker comes up while the ring is
	// checked (once the ring is placed, so that its spread is Swarm's).
	type upDone struct {
		took time.Duration
		err  error
	}
	starTop, starUp := userStar(t, bb, c.Workers()[1].Name), make(chan upDone, 1)
	starWG.Add(1)
	go func() {
		defer starWG.Done()
		start := time.Now()
		_, err := o.Up(ctx, starTop, orchestrator.UpOptions{Name: star})
		starUp <- upDone{time.Since(start).Round(time.Millisecond), err}
	}()
	st := waitReadyStatus(t, ctx, o, name)
	host := checkSpread(t, c, st)

	// Routes: node1 reaches node3's address on the node2-node3 segment
	// only through node2, by the kernel routes the helpers installed.
	checkDial(t, ctx, o, name, "node1", addrOn(t, st, "node3", "node2"), true)
	checkDial(t, ctx, o, name, "node2", addrOn(t, st, "node4", "node3"), true)
	tr, err := o.Trace(ctx, name, orchestrator.TraceOptions{From: "node1", To: "node3"})
	if err != nil || !tr.Reached || len(tr.Hops) != 2 || tr.Hops[0].Node != "node2" {
		t.Errorf("trace node1 -> node3: %+v, %v; want it reached through node2", tr, err)
	}

	// A link between two hosts, cut and healed.
	a, b := crossHostLink(t, host)
	start = time.Now()
	if _, err := o.Link(ctx, name, orchestrator.LinkOptions{A: a, B: b, Down: true}); err != nil {
		t.Fatalf("link %s %s down: %v", a, b, err)
	}
	t.Logf("link %s (%s) %s (%s) down took %v", a, host[a], b, host[b], time.Since(start).Round(time.Millisecond))
	checkDial(t, ctx, o, name, a, addrOn(t, st, b, a), false)
	if _, err := o.Link(ctx, name, orchestrator.LinkOptions{A: a, B: b}); err != nil {
		t.Fatalf("link %s %s up: %v", a, b, err)
	}
	checkDial(t, ctx, o, name, a, addrOn(t, st, b, a), true)
	// An impairment across hosts goes on, and every fault comes off.
	fs, err := o.Impair(ctx, name, orchestrator.ImpairOptions{A: a, B: b, LossPercent: 50, Rate: 10_000_000})
	if err != nil || len(fs) != 1 {
		t.Fatalf("impair %s %s: %v, %v", a, b, fs, err)
	}
	if err := o.ClearFaults(ctx, name); err != nil {
		t.Fatalf("faults clear: %v", err)
	}
	if fs, err := o.Faults(ctx, name); err != nil || len(fs) != 0 {
		t.Errorf("faults after clear: %v, %v", fs, err)
	}
	// A partition that puts a and b on different sides, then heals.
	if _, err := o.Partition(ctx, name, [][]string{{a}, {b}}); err != nil {
		t.Fatalf("partition %s | %s: %v", a, b, err)
	}
	checkDial(t, ctx, o, name, a, addrOn(t, st, b, a), false)
	if _, err := o.Heal(ctx, name); err != nil {
		t.Fatalf("heal: %v", err)
	}
	checkDial(t, ctx, o, name, a, addrOn(t, st, b, a), true)

	// Exec in a node on a worker, and a message from it to a node on the
	// manager's host.
	w := onWorker(t, c, host)
	var out bytes.Buffer
	if code, err := o.Exec(ctx, name, orchestrator.ExecOptions{Node: w, Cmd: agent.StatsCommand(), Stdout: &out}); err != nil || code != 0 {
		t.Fatalf("exec in %s on %s: %d, %v", w, host[w], code, err)
	}
	to := onHost(t, host, c.Hosts[0].Name)
	r, err := o.Send(ctx, name, orchestrator.SendOptions{From: w, To: to, Text: "across hosts"})
	if err != nil || !r.Delivered {
		t.Fatalf("send %s (%s) -> %s (%s): %+v, %v", w, host[w], to, host[to], r, err)
	}
	// And back: the worker's node logs the delivery, and the logs the
	// manager merges from every host show it.
	if r, err = o.Send(ctx, name, orchestrator.SendOptions{From: to, To: w, Text: "and back"}); err != nil || !r.Delivered {
		t.Fatalf("send %s -> %s: %+v, %v", to, w, r, err)
	}
	checkWayInLogs(t, ctx, o, name, r, w)
	// A node on a worker paused and unpaused; then the star's user node
	// on a worker: exec with input, a probe and a capture.
	checkPause(t, ctx, o, name, w, to)
	if up := <-starUp; up.err != nil {
		t.Fatalf("up of the star: %v", up.err)
	} else {
		t.Logf("up of the star beside the ring took %v", up.took)
	}
	waitAllReady(t, ctx, o, star)
	checkUserNodeOnWorker(t, ctx, o, star)

	// A node restarted comes back at a new address (Swarm picks it): its
	// neighbours' routes through it follow (node2 reaches node4 through
	// node3).
	before := addrOn(t, st, "node3", "node2")
	if err := o.NodeAction(ctx, name, orchestrator.NodeActionOptions{Action: engine.ActionRestart, Nodes: []string{"node3"}}); err != nil {
		t.Fatalf("restart node3: %v", err)
	}
	st = waitReadyStatus(t, ctx, o, name)
	t.Logf("node3 at %s before its restart, at %s after", before, addrOn(t, st, "node3", "node2"))
	checkDial(t, ctx, o, name, "node2", addrOn(t, st, "node4", "node3"), true)
	// And by name: node2's hosts file names node3 at its new address.
	checkDialTo(t, ctx, o, name, "node2", "node3", true)

	// A worker's engine stops, as a host that dies: status marks its
	// nodes' host down, the others still run, a `logs -f` begun before
	// goes on with them and says once that the lost nodes' logs stopped,
	// and down (in the cleanup) removes everything the remaining hosts
	// have.
	lost := c.Workers()[0]
	f := startFollow(ctx, o, name)
	stopped := time.Now()
	c.StopEngine(lost)
	checkHostDown(t, ctx, o, name, lost.Name)
	id := checkLostAccounting(t, ctx, o, name, lost.Name, stopped)
	f.checkLost(t, ctx, warned, lost.Name, id)
}

// checkHostDown waits until status marks the nodes on the host named as
// on a host that is down, and checks that the nodes elsewhere still run.
func checkHostDown(t *testing.T, ctx context.Context, o *orchestrator.Orchestrator, name, lost string) {
	t.Helper()
	start := time.Now()
	for {
		st, err := o.Status(ctx, name, orchestrator.StatusOptions{})
		if err != nil {
			t.Fatalf("status with host %s down: %v", lost, err)
		}
		marked := true
		for _, n := range st.Nodes {
			if n.Host != lost && (n.HostDown || n.State != "running") {
				t.Fatalf("node %s on %s: %s, host down %v, after %s stopped", n.Name, n.Host, n.State, n.HostDown, lost)
			}
			marked = marked && (n.Host != lost || n.HostDown)
		}
		if marked {
			t.Logf("status said host %s is down %v after its engine stopped", lost, time.Since(start).Round(time.Second))
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("status never said host %s is down: %+v", lost, st.Nodes)
		case <-time.After(time.Second):
		}
	}
}

// waitReadyStatus waits until every node is ready and returns the status.
func waitReadyStatus(t *testing.T, ctx context.Context, o *orchestrator.Orchestrator, name string) *orchestrator.Status {
	t.Helper()
	waitAllReady(t, ctx, o, name)
	st, err := o.Status(ctx, name, orchestrator.StatusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// checkSpread checks that the nodes run on every host, and returns each
// node's host as status says it.
func checkSpread(t *testing.T, c *livetest.Cluster, st *orchestrator.Status) map[string]string {
	t.Helper()
	host := map[string]string{}
	for _, n := range st.Nodes {
		host[n.Name] = n.Host
	}
	for _, h := range c.Hosts {
		if !slices.Contains(slices.Collect(maps.Values(host)), h.Name) {
			t.Errorf("no node on host %s: %v", h.Name, host)
		}
	}
	t.Logf("placement: %v", host)
	return host
}

// addrOn is node's address on the segment it shares with other.
func addrOn(t *testing.T, st *orchestrator.Status, node, other string) netip.Addr {
	t.Helper()
	var segs []string
	for _, s := range st.Segments {
		if slices.Contains(s.Members, node) && slices.Contains(s.Members, other) {
			segs = append(segs, s.Name)
		}
	}
	for _, n := range st.Nodes {
		if n.Name == node && len(segs) == 1 {
			return netip.MustParseAddr(n.Addresses[segs[0]])
		}
	}
	t.Fatalf("%s and %s share segments %v", node, other, segs)
	return netip.Addr{}
}

// checkDial checks whether a TCP connection from a node to an agent's
// port at addr opens, as want says.
func checkDial(t *testing.T, ctx context.Context, o *orchestrator.Orchestrator, name, from string, addr netip.Addr, want bool) {
	t.Helper()
	checkDialTo(t, ctx, o, name, from, addr.String(), want)
}

// checkDialTo is checkDial to a host's address or name (which the
// agent, in the node, resolves with the node's /etc/hosts).
func checkDialTo(t *testing.T, ctx context.Context, o *orchestrator.Orchestrator, name, from, host string, want bool) {
	t.Helper()
	to := net.JoinHostPort(host, strconv.Itoa(agent.DefaultPort))
	var out bytes.Buffer
	code, err := o.ExecAgent(ctx, name, orchestrator.ExecOptions{Node: from, Cmd: agent.DialCommand(to, 3*time.Second), Stdout: &out, Stderr: &out})
	if err != nil {
		t.Fatalf("dial from %s to %s: %v", from, to, err)
	}
	if got := code == 0; got != want {
		t.Errorf("dial from %s to %s: exit %d (%s), want it to open: %v", from, to, code, out.String(), want)
	}
}

// crossHostLink is a link of the ring whose ends run on different hosts.
func crossHostLink(t *testing.T, host map[string]string) (string, string) {
	t.Helper()
	for i := 1; i <= 4; i++ {
		a, b := fmt.Sprintf("node%d", i), fmt.Sprintf("node%d", i%4+1)
		if host[a] != host[b] {
			return a, b
		}
	}
	t.Fatalf("every link within one host: %v", host)
	return "", ""
}

// onWorker is a node on a worker host.
func onWorker(t *testing.T, c *livetest.Cluster, host map[string]string) string {
	t.Helper()
	for _, n := range slices.Sorted(maps.Keys(host)) {
		if host[n] != c.Hosts[0].Name {
			return n
		}
	}
	t.Fatalf("no node on a worker: %v", host)
	return ""
}

// onHost is a node on the host named.
func onHost(t *testing.T, host map[string]string, h string) string {
	t.Helper()
	for n, hh := range host {
		if hh == h {
			return n
		}
	}
	t.Fatalf("no node on %s: %v", h, host)
	return ""
}
