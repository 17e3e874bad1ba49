package orchestrator_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// TestIntegrationUpAddsAndRemovesNodesInPlace: a running star gets
// spoke5 and loses spoke4, in place. The dry run lists the operations in
// the order they run; up makes spoke5 and its network, removes spoke4 and
// its network, and the nodes that stay keep their containers and
// counters; the hub takes its new config as it runs, a send to spoke5 is
// delivered, up again is the no-op, the topology reads as one brought up
// fresh from the new file (plan and status but counters, names and
// addresses), and every message is accounted for.
func TestIntegrationUpAddsAndRemovesNodesInPlace(t *testing.T) {
	t.Parallel()
	o := livetest.Engine(t)
	file := filepath.Join(t.TempDir(), "star.yaml")
	write := func(last string) *topology.Topology {
		src := "layout: star\nnodes: [hub, spoke1, spoke2, spoke3, " + last + "]\ntraffic: {interval: 0}\n"
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return load(t, file)
	}
	name := up(t, o, write("spoke4"), "grow").Name
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	sendOK(ctx, t, o, name, "spoke1", "spoke4")
	before, counters := containerIDs(ctx, t, o, name), originated(ctx, t, o, name)

	changed := write("spoke5")
	d, err := o.Plan(ctx, changed, orchestrator.PlanOptions{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	c, err := o.Preview(ctx, d)
	want := []string{"+ segment hub-spoke5 ", "+ node spoke5", "- node spoke4", "- segment hub-spoke4 "}
	if err != nil || c == nil || !c.Applies() || !prefixesInOrder(c.Lines(), want) {
		t.Fatalf("dry run: %+v, %v; want %q in order", c, err, want)
	}
	if _, err := o.Up(ctx, changed, orchestrator.UpOptions{Name: name}); err != nil {
		t.Fatalf("up of the changed file: %v", err)
	}
	after := containerIDs(ctx, t, o, name)
	for node, id := range before {
		switch {
		case strings.HasSuffix(node, "spoke4"):
			if _, ok := after[node]; ok {
				t.Errorf("%s still runs", node)
			}
		case after[node] != id:
			t.Errorf("%s was made again (%s → %s)", node, id, after[node])
		}
	}
	now := originated(ctx, t, o, name)
	for node, was := range counters {
		if node != "spoke4" && now[node] < was {
			t.Errorf("node %s counts %d, %d before the change: it restarted", node, now[node], was)
		}
	}
	waitLog(ctx, t, o, name, "hub", "new config: 1 links added, 1 removed")
	sendOK(ctx, t, o, name, "spoke1", "spoke5")
	sendOK(ctx, t, o, name, "spoke5", "hub")
	if again, err := o.Up(ctx, changed, orchestrator.UpOptions{Name: name}); err != nil || !again.AlreadyRunning {
		t.Errorf("up of the changed file again: %+v, %v; want the no-op", again, err)
	}
	fresh := up(t, o, changed, "grow-fresh").Name
	sendOK(ctx, t, o, fresh, "spoke1", "spoke5")
	if a, b := planShape(ctx, t, o, name), planShape(ctx, t, o, fresh); a != b {
		t.Errorf("plan read back after the change:\n%s\nbrought up fresh:\n%s", a, b)
	}
	if a, b := statusShape(ctx, t, o, name), statusShape(ctx, t, o, fresh); a != b {
		t.Errorf("status after the change:\n%s\nbrought up fresh:\n%s", a, b)
	}
	st, err := o.Status(ctx, name, orchestrator.StatusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var orig, done uint64
	for _, n := range st.Nodes {
		orig += n.Stats.Originated
		done += n.Stats.Delivered + n.Stats.Dropped
	}
	// spoke4's one message was delivered at spoke4, which is gone: the
	// books of the nodes that remain hold its receipt's send and no more.
	if orig != done+1 {
		t.Errorf("originated %d, delivered or dropped %d (+1 at spoke4, gone): %+v", orig, done, st.Nodes)
	}
}

// prefixesInOrder reports whether lines start, in order, with each of want.
func prefixesInOrder(lines, want []string) bool {
	at := 0
	for _, w := range want {
		for at < len(lines) && !strings.HasPrefix(lines[at], w) {
			at++
		}
		if at == len(lines) {
			return false
		}
		at++
	}
	return true
}

// TestIntegrationBusGrowsInPlace: a running bus gets a member and loses
// another in place, a shared segment whose members the agents that stay
// learn as they run: the newcomer is reached, the member removed is not,
// and the nodes that stay keep their containers.
func TestIntegrationBusGrowsInPlace(t *testing.T) {
	t.Parallel()
	o := livetest.Engine(t)
	file := filepath.Join(t.TempDir(), "bus.yaml")
	write := func(nodes string) *topology.Topology {
		src := "layout: bus\nnodes: [" + nodes + "]\ntraffic: {interval: 0}\n"
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return load(t, file)
	}
	name := up(t, o, write("a, b, c"), "busgrow").Name
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	sendOK(ctx, t, o, name, "a", "c")
	before := containerIDs(ctx, t, o, name)
	if _, err := o.Up(ctx, write("a, b, d"), orchestrator.UpOptions{Name: name}); err == nil || !strings.Contains(err.Error(), "would take") {
		t.Fatalf("up of a bus whose member c gives way to d: %v; want a refusal, d would take c's address", err)
	}
	if after := containerIDs(ctx, t, o, name); len(after) != len(before) {
		t.Fatalf("a refused change touched the topology: %v → %v", before, after)
	}
	changed := write("a, b, c, d")
	if _, err := o.Up(ctx, changed, orchestrator.UpOptions{Name: name}); err != nil {
		t.Fatalf("up of the bus with d: %v", err)
	}
	sendOK(ctx, t, o, name, "a", "d")
	sendOK(ctx, t, o, name, "d", "b")
	if _, err := o.Up(ctx, write("a, b, c"), orchestrator.UpOptions{Name: name}); err != nil {
		t.Fatalf("up of the bus without d: %v", err)
	}
	if r, err := o.Send(ctx, name, orchestrator.SendOptions{From: "a", To: "d", Text: "gone"}); err == nil && r.Delivered {
		t.Errorf("a send to d, removed: %+v", r)
	}
	sendOK(ctx, t, o, name, "b", "c")
	after := containerIDs(ctx, t, o, name)
	for _, n := range []string{"a", "b", "c"} {
		for k, id := range before {
			if strings.HasSuffix(k, n) && after[k] != id {
				t.Errorf("%s was made again", k)
			}
		}
	}
}

// TestIntegrationUserNodeJoinsALANInPlace: a node of a user's image joins
// the LAN of a running client-server topology in place: the agents learn
// of it as they run, and the kernel routes of the user's node that stays
// (web) are installed again by the route helper, with a route to the
// newcomer through the server.
func TestIntegrationUserNodeJoinsALANInPlace(t *testing.T) {
	t.Parallel()
	o := livetest.Engine(t)
	image := livetest.Busybox(t, o.Runtime())
	file := filepath.Join(t.TempDir(), "cs.yaml")
	write := func(extra string) *topology.Topology {
		src := fmt.Sprintf("layout: client-server\nnodes:\n  - {name: server, role: server}\n  - client1\n"+
			"  - {name: web, image: %q, command: [/bin/busybox, sleep, \"3600\"]}\n%straffic: {interval: 0}\n", image, extra)
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return load(t, file)
	}
	name := up(t, o, write(""), "lanjoin").Name
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	before := containerIDs(ctx, t, o, name)
	changed := write(fmt.Sprintf("  - {name: box, image: %q, command: [/bin/busybox, sleep, \"3600\"]}\n", image))
	if _, err := o.Up(ctx, changed, orchestrator.UpOptions{Name: name}); err != nil {
		t.Fatalf("up with box: %v", err)
	}
	after := containerIDs(ctx, t, o, name)
	for node, id := range before {
		if after[node] != id {
			t.Errorf("%s was made again", node)
		}
	}
	p, err := o.AppliedPlan(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	box, _ := p.Node("box")
	server, _ := p.Node("server")
	var out bytes.Buffer
	if _, err := o.Runtime().Exec(ctx, engine.ContainerName(name, "web"), []string{"/bin/busybox", "ip", "route"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	want := box.Addresses["lan"].String() + " via " + server.Addresses["lan"].String()
	if !strings.Contains(out.String(), want) {
		t.Errorf("web's routes after box joined:\n%s\nwant %q", out.String(), want)
	}
	waitLog(ctx, t, o, name, "server", "new config: 0 links added, 0 removed") // box runs no agent: no link, a foreign neighbour
	st, err := o.Status(ctx, name, orchestrator.StatusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range st.Nodes {
		if n.Name == "server" && !strings.Contains(fmt.Sprint(n.Links), "box") {
			t.Errorf("server's links after box joined: %+v, want box among them", n.Links)
		}
	}
	if again, err := o.Up(ctx, changed, orchestrator.UpOptions{Name: name}); err != nil || !again.AlreadyRunning {
		t.Errorf("up again: %+v, %v; want the no-op", again, err)
	}
}
