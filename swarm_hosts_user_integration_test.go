package topo_test

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// userStar is the three-engine test's second topology: a star of a
// user's own image (busybox) whose hub, a web server on port 8080 that
// serves /etc (its hostname file names it), runs on the manager's host,
// and whose one spoke, bb, runs on the worker named, so that what it
// checks crosses hosts.
func userStar(t *testing.T, bb, worker string) *topology.Topology {
	t.Helper()
	file := filepath.Join(t.TempDir(), "star.yaml")
	yaml := fmt.Sprintf(`layout: star
nodes:
  - {name: hub, image: %[1]q, command: [/bin/busybox, httpd, -f, -p, "8080", -h, /etc], placement: [node.role==manager]}
  - {name: bb, image: %[1]q, command: [/bin/busybox, sleep, "3600"], placement: [node.hostname==%[2]s]}
`, bb, worker)
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	top, err := topology.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	return top
}

// downAll takes the topologies down at once, checks that nothing of
// them is left, and waits until no worker engine has a container.
func downAll(t *testing.T, o *orchestrator.Orchestrator, c *livetest.Cluster, names ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for _, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := o.Down(ctx, name, orchestrator.DownOptions{}); err != nil {
				t.Errorf("down %s: %v", name, err)
			}
		}()
	}
	wg.Wait()
	for _, name := range names {
		if left := livetest.Leftovers(t, o, name); len(left) > 0 {
			t.Errorf("left after down of %s: %v", name, left)
		}
	}
	c.WaitWorkersEmpty(t) // nodes and helpers gone from every host
}

// checkPause pauses a node on a worker host, and status says it is
// paused and its host up; unpaused, it runs again and takes a message.
func checkPause(t *testing.T, ctx context.Context, o *orchestrator.Orchestrator, name, node, from string) {
	t.Helper()
	for _, step := range []struct {
		action engine.Action
		state  string
	}{{engine.ActionPause, "paused"}, {engine.ActionUnpause, "running"}} {
		start := time.Now()
		if err := o.NodeAction(ctx, name, orchestrator.NodeActionOptions{Action: step.action, Nodes: []string{node}}); err != nil {
			t.Fatalf("node %s %s: %v", step.action, node, err)
		}
		t.Logf("node %s %s took %v", step.action, node, time.Since(start).Round(time.Millisecond))
		st, err := o.Status(ctx, name, orchestrator.StatusOptions{})
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(st.Nodes, func(n orchestrator.NodeStatus) bool { return n.Name == node })
		if n := st.Nodes[i]; n.State != step.state || n.HostDown {
			t.Errorf("after node %s %s: status says %s on %s (host down %v), want %s", step.action, node, n.State, n.Host, n.HostDown, step.state)
		}
	}
	if r, err := o.Send(ctx, name, orchestrator.SendOptions{From: from, To: node, Text: "unpaused"}); err != nil || !r.Delivered {
		t.Errorf("send %s -> %s once unpaused: %+v, %v", from, node, r, err)
	}
}

// checkUserNodeOnWorker checks, on the star's bb (a user's image on a
// worker host): exec with input on a terminal; a user's program in it
// (wget) fetching a page from the hub's web server, on another host, by
// the hub's name; a probe from it to the hub's server (what `topo test`
// runs), every try reaching; and a capture on its side of the link, of a
// few of the probe's packets.
func checkUserNodeOnWorker(t *testing.T, ctx context.Context, o *orchestrator.Orchestrator, name string) {
	t.Helper()
	defer logTook(t, "exec, wget by name, probe and capture on the user's node", time.Now())
	var out bytes.Buffer
	in := &engine.ExecInput{Stdin: strings.NewReader("across hosts\n"), TTY: true}
	code, err := o.Exec(ctx, name, orchestrator.ExecOptions{Node: "bb", Cmd: []string{livetest.BusyboxPath, "cat"}, Stdout: &out, Input: in})
	if err != nil || code != 0 || !strings.Contains(out.String(), "across hosts") {
		t.Errorf("exec cat in bb with input on a terminal: exit %d, %v, said %q", code, err, out.String())
	}
	st, err := o.Status(ctx, name, orchestrator.StatusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkByName(t, ctx, o, name, st, "bb", "hub")
	hub := netip.AddrPortFrom(addrOn(t, st, "hub", "bb"), 8080).String()
	var pcap bytes.Buffer
	capDone := make(chan error, 1)
	var sum *agent.CaptureSummary
	go func() {
		var err error
		sum, err = o.Capture(ctx, name, orchestrator.CaptureOptions{Target: []string{"bb", "hub"}, Filter: "tcp port 8080",
			Count: 3, Duration: 30 * time.Second}, &pcap, nil)
		capDone <- err
	}()
	// The capture's helper starts in a moment: the probe goes on for a
	// few seconds, so that it catches some of its connections.
	var samples []agent.ProbeSample
	req := agent.ProbeRequest{Targets: []agent.ProbeTarget{{ID: "hub", Kind: agent.ProbeTCP, Addr: hub}},
		Interval: 250 * time.Millisecond, Timeout: 2 * time.Second, Duration: 3 * time.Second}
	if err := o.Probe(ctx, name, "bb", req, func(s agent.ProbeSample) { samples = append(samples, s) }); err != nil {
		t.Errorf("probe from bb to %s: %v", hub, err)
	}
	if len(samples) == 0 || slices.ContainsFunc(samples, func(s agent.ProbeSample) bool { return !s.OK }) {
		t.Errorf("probe from bb to the hub's server at %s: %+v, want every try to reach", hub, samples)
	}
	if err := <-capDone; err != nil || sum == nil || sum.Packets != 3 || pcap.Len() == 0 {
		t.Errorf("capture on bb's link to the hub: %+v, %d bytes, %v; want 3 packets", sum, pcap.Len(), err)
	}
}

// checkByName checks that a user's program in node from (busybox's wget)
// reaches the web server of node to, on another host as status says, by
// to's name: the page it gets is to's hostname file, which names it. The
// name is in from's hosts file, which topo writes; the way there is the
// routes topo's helpers installed on each host.
func checkByName(t *testing.T, ctx context.Context, o *orchestrator.Orchestrator, name string, st *orchestrator.Status, from, to string) {
	t.Helper()
	host := map[string]string{}
	for _, n := range st.Nodes {
		host[n.Name] = n.Host
	}
	if host[from] == "" || host[from] == host[to] {
		t.Fatalf("%s on %q and %s on %q: want two hosts", from, host[from], to, host[to])
	}
	url := "http://" + to + ":8080/hostname"
	var out, errOut bytes.Buffer
	code, err := o.Exec(ctx, name, orchestrator.ExecOptions{Node: from,
		Cmd: []string{livetest.BusyboxPath, "timeout", "20", livetest.BusyboxPath, "wget", "-qO-", url}, Stdout: &out, Stderr: &errOut})
	if want := engine.ContainerName(name, to); err != nil || code != 0 || strings.TrimSpace(out.String()) != want {
		var hosts bytes.Buffer
		_, _ = o.Exec(ctx, name, orchestrator.ExecOptions{Node: from, Cmd: []string{livetest.BusyboxPath, "cat", "/etc/hosts"}, Stdout: &hosts})
		t.Errorf("wget %s in %s (on %s), to %s (on %s): exit %d, %v, got %q (%s), want %q; %s's /etc/hosts:\n%s",
			url, from, host[from], to, host[to], code, err, out.String(), strings.TrimSpace(errOut.String()), want, from, hosts.String())
		return
	}
	t.Logf("wget %s in %s (on %s) reached %s (on %s) by name", url, from, host[from], to, host[to])
}

// checkLostAccounting sends from a neighbour of a node on the lost host
// to it, which the agents drop with a reason; reads the logs, which leave
// the lost nodes out; and checks that the books balance once the
// topology is at rest: the lost host's logs are not read, and what went
// to its nodes counts as dropped. It returns the send's message ID.
func checkLostAccounting(t *testing.T, ctx context.Context, o *orchestrator.Orchestrator, name, lost string, stopped time.Time) string {
	t.Helper()
	step := time.Now()
	took := func(what string) {
		t.Logf("%s took %v", what, time.Since(step).Round(time.Millisecond))
		step = time.Now()
	}
	defer logTook(t, "send, logs, settle and account with a host down", time.Now())
	st, err := o.Status(ctx, name, orchestrator.StatusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	host := map[string]string{}
	var to string
	for _, n := range st.Nodes {
		host[n.Name] = n.Host
		if n.Host == lost && to == "" {
			to = n.Name
		}
	}
	var from string // a neighbour of to that remains (a lost node's status has no neighbours)
	for _, n := range st.Nodes {
		if n.Host != lost && slices.Contains(n.Neighbors, to) && from == "" {
			from = n.Name
		}
	}
	if from == "" {
		t.Fatalf("no node that remains is a neighbour of %s: %+v", to, st.Nodes)
	}
	r, err := o.Send(ctx, name, orchestrator.SendOptions{From: from, To: to, Text: "to a lost host", Timeout: 10 * time.Second})
	if err != nil || r.Delivered || r.Reason == "" {
		t.Errorf("send %s -> %s (on the lost host %s): %+v, %v; want it dropped with a reason", from, to, lost, r, err)
	} else {
		t.Logf("send %s -> %s (host %s down): dropped at %s, %s", from, to, lost, r.DroppedAt, r.Reason)
	}
	took("the send")
	var fromLost []string
	err = o.Logs(ctx, name, orchestrator.LogsOptions{Tail: 5}, func(l orchestrator.LogLine) error {
		if host[l.Node] == lost {
			fromLost = append(fromLost, l.Node)
		}
		return nil
	})
	if err != nil || len(fromLost) > 0 {
		t.Errorf("logs with host %s down: %v, lines of %v; want the others' lines only", lost, err, fromLost)
	}
	took("the logs")
	if err := o.Settle(ctx, name, 30*time.Second); err != nil {
		t.Fatalf("settle with host %s down: %v", lost, err)
	}
	took("settle")
	acc, err := o.Account(ctx, name)
	if err != nil {
		t.Fatalf("account with host %s down: %v", lost, err)
	}
	took("account")
	t.Logf("accounting with host %s down: %v", lost, acc)
	if len(acc.Twice) > 0 || !slices.Contains(acc.Unread, to) || acc.Originated == 0 {
		t.Errorf("accounting with host %s down: %v; want no message counted twice, %s's log unread", lost, acc, to)
	}
	// Every message towards the lost host, and every one sent since it
	// stopped, has an outcome. (A message under way when a node was
	// restarted before, on a host that remains, may not: see the report.)
	for _, ev := range acc.Missing {
		if host[ev.Peer] == lost || ev.Time.After(stopped) {
			t.Errorf("accounting with host %s down: message %s from %s to %s at %s has no outcome", lost, ev.ID, ev.Node, ev.Peer, ev.Time.Format(time.TimeOnly))
		} else {
			t.Logf("accounting: message %s from %s to %s at %s, before host %s stopped, has no outcome", ev.ID, ev.Node, ev.Peer, ev.Time.Format(time.StampMilli), lost)
		}
	}
	if r == nil {
		return ""
	}
	if r.Reason != "" && acc.Dropped[r.Reason] == 0 {
		t.Errorf("accounting: the message to %s, dropped (%s), is not counted: %v", to, r.Reason, acc.Dropped)
	}
	return r.ID
}

// logTook logs how long a part of a test took, from start.
func logTook(t *testing.T, what string, start time.Time) {
	t.Logf("%s took %v", what, time.Since(start).Round(time.Millisecond))
}
