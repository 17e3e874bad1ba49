package orchestrator_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/orchestrator"
)

// TestIntegrationUpRecreatesAChangedNode edits the command of a node
// that runs a user's image in a running client-server topology: a dry run
// names that one change and touches nothing, and up recreates that node
// alone, while the agents keep their containers and their counters; the
// topology is ready after, and an up of the same file again is the no-op.
func TestIntegrationUpRecreatesAChangedNode(t *testing.T) {
	t.Parallel()
	o := livetest.Engine(t)
	image := livetest.Busybox(t, o.Runtime())
	file := filepath.Join(t.TempDir(), "cs.yaml")
	write := func(sleep string) {
		src := fmt.Sprintf(`layout: client-server
nodes:
  - {name: server, role: server}
  - client1
  - client2
  - {name: web, image: %q, command: [/bin/busybox, sleep, %q]}
traffic: {interval: 0}
`, image, sleep)
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("3600")
	res := up(t, o, load(t, file), "change")
	name := res.Name
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if r, err := o.Send(ctx, name, orchestrator.SendOptions{From: "client1", To: "client2", Text: "before"}); err != nil || !r.Delivered {
		t.Fatalf("send before the change: %+v, %v", r, err)
	}
	before, counters := containerIDs(ctx, t, o, name), nodeCounters(ctx, t, o, name)

	write("7200")
	changed := load(t, file)
	d, err := o.Plan(ctx, changed, orchestrator.PlanOptions{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"! recreate node web: command changed (/bin/busybox sleep 3600 → /bin/busybox sleep 7200)"}
	c, err := o.Preview(ctx, d)
	if err != nil || c == nil || !slices.Equal(c.Lines(), want) || !c.Applies() {
		t.Fatalf("dry run: %+v, %v; want %q", c, err, want)
	}
	if now := containerIDs(ctx, t, o, name); !maps.Equal(before, now) {
		t.Fatalf("the dry run changed containers: %v → %v", before, now)
	}

	got, err := o.Up(ctx, changed, orchestrator.UpOptions{Name: name})
	if err != nil || !slices.Equal(got.Changed, want) {
		t.Fatalf("up of the changed file: %+v, %v", got, err)
	}
	after := containerIDs(ctx, t, o, name)
	for node, id := range before {
		if kept := after[node] == id; kept == (node == "web") {
			t.Errorf("node %s: container %s → %s; only web is recreated", node, shortIDOf(id), shortIDOf(after[node]))
		}
	}
	full, err := o.Runtime().ContainerByName(ctx, engine.ContainerName(name, "web"))
	if err != nil || !slices.Equal(full.Cmd, []string{"/bin/busybox", "sleep", "7200"}) {
		t.Errorf("web runs %q (%v), want the new command", full.Cmd, err)
	}
	st, err := o.Status(ctx, name, orchestrator.StatusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range st.Nodes {
		if !n.Ready || n.State != "running" {
			t.Errorf("after the change, node %s: %s, ready %v", n.Name, n.State, n.Ready)
		}
		if was, ok := counters[n.Name]; ok && n.Stats.Delivered+n.Stats.Forwarded+n.Stats.Originated < was {
			t.Errorf("node %s's counters went from %d to %+v: it restarted", n.Name, was, n.Stats.Counters)
		}
	}
	if r, err := o.Send(ctx, name, orchestrator.SendOptions{From: "client2", To: "client1", Text: "after"}); err != nil || !r.Delivered {
		t.Errorf("send after the change: %+v, %v", r, err)
	}
	again, err := o.Up(ctx, changed, orchestrator.UpOptions{Name: name})
	if err != nil || !again.AlreadyRunning {
		t.Errorf("up of the changed file again: %+v, %v; want the no-op", again, err)
	}
}

// containerIDs are a topology's node containers' IDs, by node.
func containerIDs(ctx context.Context, t *testing.T, o *orchestrator.Orchestrator, name string) map[string]string {
	t.Helper()
	cs, err := o.Runtime().ListContainers(ctx, map[string]string{engine.LabelTopology: name})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, c := range cs {
		out[c.Labels[engine.LabelNode]] = c.ID
	}
	return out
}

// nodeCounters are what each agent counted of the messages it handled.
func nodeCounters(ctx context.Context, t *testing.T, o *orchestrator.Orchestrator, name string) map[string]uint64 {
	t.Helper()
	st, err := o.Status(ctx, name, orchestrator.StatusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]uint64{}
	for _, n := range st.Nodes {
		if s := n.Stats; n.Name != "web" {
			out[n.Name] = s.Delivered + s.Forwarded + s.Originated
		}
	}
	for _, n := range []string{"server", "client1", "client2"} {
		if out[n] == 0 {
			t.Fatalf("node %s counted nothing before the change: %+v", n, st.Nodes)
		}
	}
	return out
}

func shortIDOf(id string) string { return strings.TrimSpace(id[:min(12, len(id))]) }
