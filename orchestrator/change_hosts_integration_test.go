package orchestrator_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// TestIntegrationHostsFollowAChangeInPlace: a running star whose spoke3
// gives way to spoke4, in place (#26). The nodes that stay keep their
// containers, and their hosts files become what a fresh up writes: spoke4
// resolves, by name, from an agent (spoke1, whose dial of spoke4 by name
// connects) and in a user's image without an agent (web, whose
// /etc/hosts names spoke4 and no longer spoke3). The hub, which lost its
// link to spoke3, restarts (made again with the config it took in place)
// and carries spoke1's send to spoke4 again; web, restarted, still names
// spoke4. Up again is the no-op.
func TestIntegrationHostsFollowAChangeInPlace(t *testing.T) {
	t.Parallel()
	o := livetest.Engine(t)
	image := livetest.Busybox(t, o.Runtime())
	file := filepath.Join(t.TempDir(), "star.yaml")
	write := func(last string) *topology.Topology {
		src := fmt.Sprintf("layout: star\nnodes:\n  - hub\n  - spoke1\n  - {name: web, image: %q, command: [/bin/busybox, sleep, \"3600\"]}\n  - %s\n"+
			"traffic: {interval: 0}\n", image, last)
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return load(t, file)
	}
	name := up(t, o, write("spoke3"), "hosts").Name
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dialByName(ctx, t, o, name, "spoke1", "spoke3", true)
	before := containerIDs(ctx, t, o, name)

	changed := write("spoke4")
	start := time.Now()
	res, err := o.Up(ctx, changed, orchestrator.UpOptions{Name: name})
	if err != nil {
		t.Fatalf("up of the changed file: %v", err)
	}
	t.Logf("the change in place took %v: %+v", time.Since(start).Round(time.Millisecond), res.Timings)
	after := containerIDs(ctx, t, o, name)
	for _, n := range []string{"hub", "spoke1", "web"} {
		if after[n] != before[n] {
			t.Errorf("%s was made again", n)
		}
	}
	dialByName(ctx, t, o, name, "spoke1", "spoke4", true)
	dialByName(ctx, t, o, name, "spoke1", "spoke3", false)
	webHosts(ctx, t, o, name, "after the change")
	sendOK(ctx, t, o, name, "spoke1", "spoke4")

	for _, n := range []string{"hub", "web"} {
		start = time.Now()
		if err := o.NodeAction(ctx, name, orchestrator.NodeActionOptions{Action: engine.ActionRestart, Nodes: []string{n}}); err != nil {
			t.Fatalf("restart %s: %v", n, err)
		}
		t.Logf("restart of %s took %v", n, time.Since(start).Round(time.Millisecond))
	}
	if now := containerIDs(ctx, t, o, name); now["hub"] == before["hub"] || now["web"] != before["web"] {
		t.Errorf("restarted: hub %s → %s (want made again), web %s → %s (want the same)", before["hub"], now["hub"], before["web"], now["web"])
	}
	waitReady(ctx, t, o, name, "hub")
	sendOK(ctx, t, o, name, "spoke1", "spoke4")
	dialByName(ctx, t, o, name, "hub", "spoke4", true)
	webHosts(ctx, t, o, name, "after web restarted")
	if again, err := o.Up(ctx, changed, orchestrator.UpOptions{Name: name}); err != nil || !again.AlreadyRunning {
		t.Errorf("up again: %+v, %v; want the no-op", again, err)
	}
}

// dialByName dials node to's agent port by its name from node from, whose
// /etc/hosts must name it (resolves) or must not.
func dialByName(ctx context.Context, t *testing.T, o *orchestrator.Orchestrator, name, from, to string, resolves bool) {
	t.Helper()
	var out bytes.Buffer
	cmd := []string{agent.Path, agent.VerbDial, "--timeout", "3s", to + ":" + strconv.Itoa(agent.DefaultPort)}
	code, err := o.ExecAgent(ctx, name, orchestrator.ExecOptions{Node: from, Cmd: cmd, Stdout: &out, Stderr: &out})
	if err != nil {
		t.Fatal(err)
	}
	if got := code == 0; got != resolves {
		t.Errorf("%s dials %s by name: exit %d (%s); want it to connect: %v", from, to, code, strings.TrimSpace(out.String()), resolves)
	}
}

// webHosts checks that web's /etc/hosts names spoke4, by both its names,
// and no longer spoke3.
func webHosts(ctx context.Context, t *testing.T, o *orchestrator.Orchestrator, name, when string) {
	t.Helper()
	var out bytes.Buffer
	if _, err := o.Runtime().Exec(ctx, engine.ContainerName(name, "web"), []string{"/bin/busybox", "cat", "/etc/hosts"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	hosts := out.String()
	if !strings.Contains(hosts, "\tspoke4\n") || !strings.Contains(hosts, "\t"+engine.ContainerName(name, "spoke4")+"\n") || strings.Contains(hosts, "spoke3") {
		t.Errorf("%s: web's /etc/hosts:\n%s\nwant spoke4 by both its names, and no spoke3", when, hosts)
	}
}

// waitReady waits until a node's agent says every link is up.
func waitReady(ctx context.Context, t *testing.T, o *orchestrator.Orchestrator, name, node string) {
	t.Helper()
	var out bytes.Buffer
	if code, err := o.ExecAgent(ctx, name, orchestrator.ExecOptions{Node: node, Cmd: agent.ReadyCommand(30 * time.Second), Stdout: &out, Stderr: &out}); err != nil || code != 0 {
		t.Fatalf("%s ready: exit %d, %v: %s", node, code, err, out.String())
	}
}

// TestIntegrationRingGrowsAndShrinksInPlace: a running ring of 3 takes a
// fourth node in place, then gives it back (#26). The nodes that stay keep
// their containers; the token goes round through node4 (the leader has it
// from node4), a send from node3 to node1 goes through node4, and, the
// ring shrunk, straight again; up again is the no-op.
func TestIntegrationRingGrowsAndShrinksInPlace(t *testing.T) {
	t.Parallel()
	o := livetest.Engine(t)
	file := filepath.Join(t.TempDir(), "ring.yaml")
	write := func(n int) *topology.Topology {
		src := fmt.Sprintf("layout: ring\nnodes: %d\ntraffic: {interval: 0}\n", n)
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return load(t, file)
	}
	name := up(t, o, write(3), "ringgrow").Name
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	before := containerIDs(ctx, t, o, name)
	for _, tc := range []struct {
		nodes int
		path  []string
	}{{4, []string{"node3", "node4", "node1"}}, {3, []string{"node3", "node1"}}} {
		changed := write(tc.nodes)
		start := time.Now()
		res, err := o.Up(ctx, changed, orchestrator.UpOptions{Name: name})
		if err != nil {
			t.Fatalf("up of a ring of %d: %v", tc.nodes, err)
		}
		t.Logf("the ring of %d, in place, took %v: %q", tc.nodes, time.Since(start).Round(time.Millisecond), res.Changed)
		after := containerIDs(ctx, t, o, name)
		for n, id := range before {
			if after[n] != id {
				t.Errorf("ring of %d: %s was made again", tc.nodes, n)
			}
		}
		if tc.nodes == 4 {
			waitLog(ctx, t, o, name, "node1", "token from node4")
		}
		r, err := o.Send(ctx, name, orchestrator.SendOptions{From: "node3", To: "node1", Text: "round"})
		if err != nil || !r.Delivered || strings.Join(r.Path, " ") != strings.Join(tc.path, " ") {
			t.Errorf("ring of %d: send node3 → node1: %+v, %v; want delivered along %v", tc.nodes, r, err, tc.path)
		}
		if again, err := o.Up(ctx, changed, orchestrator.UpOptions{Name: name}); err != nil || !again.AlreadyRunning {
			t.Errorf("ring of %d: up again: %+v, %v; want the no-op", tc.nodes, again, err)
		}
	}
}
