package orchestrator_test

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// TestIntegrationUpChangesAnImpairmentInPlace changes the delay of every
// link of a running star, and turns its background traffic off: a dry run
// names each link and the traffic and touches nothing; up changes them
// without making any container again (the agents keep their counters)
// and tells the agents, which say so; a node restarted
// after is told again; up of the same file again is the no-op; and the
// topology reads as one brought up fresh from the new file: the same plan
// read back and the same status, but for counters and addresses.
func TestIntegrationUpChangesAnImpairmentInPlace(t *testing.T) {
	t.Parallel()
	o := livetest.Engine(t)
	file := filepath.Join(t.TempDir(), "star.yaml")
	write := func(delay, interval string) *topology.Topology {
		src := "layout: star\nnodes: 3\ntraffic: {interval: " + interval + "}\nlink: {delay: " + delay + "}\n"
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return load(t, file)
	}
	name := up(t, o, write("5ms", "1s"), "inplace").Name
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	sendOK(ctx, t, o, name, "hub", "spoke1")
	before, counters := containerIDs(ctx, t, o, name), originated(ctx, t, o, name)

	changed := write("20ms", "0")
	d, err := o.Plan(ctx, changed, orchestrator.PlanOptions{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"~ traffic interval 1s → 0", "~ link hub–spoke1 delay 5ms → 20ms", "~ link hub–spoke2 delay 5ms → 20ms"}
	if c, err := o.Preview(ctx, d); err != nil || c == nil || !slices.Equal(c.Lines(), want) || !c.Applies() {
		t.Fatalf("dry run: %+v, %v; want %q", c, err, want)
	}
	res, err := o.Up(ctx, changed, orchestrator.UpOptions{Name: name})
	if err != nil || !slices.Equal(res.Changed, want) {
		t.Fatalf("up of the changed file: %+v, %v", res, err)
	}
	if after := containerIDs(ctx, t, o, name); !maps.Equal(before, after) {
		t.Fatalf("containers changed: %v → %v; none is made again", before, after)
	}
	for node, was := range originated(ctx, t, o, name) {
		if was < counters[node] {
			t.Errorf("node %s originated %d, %d before the change: it restarted", node, was, counters[node])
		}
	}
	waitLog(ctx, t, o, name, "hub", "link to spoke1 impaired: delay=20ms")
	waitLog(ctx, t, o, name, "spoke2", "link to hub impaired: delay=20ms")
	sendOK(ctx, t, o, name, "spoke1", "spoke2")
	if err := o.NodeAction(ctx, name, orchestrator.NodeActionOptions{Action: "restart", Nodes: []string{"spoke1"}}); err != nil {
		t.Fatal(err)
	}
	waitLog(ctx, t, o, name, "spoke1", "link to hub impaired: delay=20ms") // its config says 5ms
	if again, err := o.Up(ctx, changed, orchestrator.UpOptions{Name: name}); err != nil || !again.AlreadyRunning {
		t.Errorf("up of the changed file again: %+v, %v; want the no-op", again, err)
	}

	fresh := up(t, o, changed, "inplace-fresh").Name
	sendOK(ctx, t, o, fresh, "spoke1", "spoke2")
	if a, b := planShape(ctx, t, o, name), planShape(ctx, t, o, fresh); a != b {
		t.Errorf("plan read back after the change:\n%s\nbrought up fresh:\n%s", a, b)
	}
	if a, b := statusShape(ctx, t, o, name), statusShape(ctx, t, o, fresh); a != b {
		t.Errorf("status after the change:\n%s\nbrought up fresh:\n%s", a, b)
	}
}

func sendOK(ctx context.Context, t *testing.T, o *orchestrator.Orchestrator, name, from, to string) {
	t.Helper()
	if r, err := o.Send(ctx, name, orchestrator.SendOptions{From: from, To: to, Text: "hello"}); err != nil || !r.Delivered {
		t.Fatalf("send %s → %s: %+v, %v", from, to, r, err)
	}
}

// originated is what each agent originated.
func originated(ctx context.Context, t *testing.T, o *orchestrator.Orchestrator, name string) map[string]uint64 {
	t.Helper()
	st, err := o.Status(ctx, name, orchestrator.StatusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]uint64{}
	for _, n := range st.Nodes {
		out[n.Name] = n.Stats.Originated + n.Stats.Delivered
	}
	return out
}

// waitLog waits until a node has logged a line that holds text, for a
// minute at most: logs reach the engine a moment after the agent writes.
func waitLog(ctx context.Context, t *testing.T, o *orchestrator.Orchestrator, name, node, text string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		found := false
		err := o.Logs(ctx, name, orchestrator.LogsOptions{Nodes: []string{node}}, func(l orchestrator.LogLine) error {
			found = found || strings.Contains(l.Text, text)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if found {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %s never logged %q", node, text)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// planShape is the plan read back from what runs, without what differs
// between two topologies of one file: names, subnets and addresses.
func planShape(ctx context.Context, t *testing.T, o *orchestrator.Orchestrator, name string) string {
	t.Helper()
	p, err := o.AppliedPlan(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	type node struct {
		Name, Role, Image string
		Neighbors         []string
	}
	shape := struct {
		Layout, Routing, LogLevel string
		Traffic                   topology.Traffic
		Segments                  []any
		Nodes                     []node
	}{Layout: string(p.Layout), Routing: string(p.Routing), LogLevel: p.LogLevel, Traffic: p.Traffic}
	for _, s := range p.Segments {
		shape.Segments = append(shape.Segments, []any{s.Name, s.Shared, s.Members, s.Impairment})
	}
	for _, n := range p.Nodes {
		nb := node{Name: n.Name, Role: n.Role, Image: n.Image}
		for _, x := range n.Neighbors {
			nb.Neighbors = append(nb.Neighbors, x.Name+"@"+x.Segment)
		}
		shape.Nodes = append(shape.Nodes, nb)
	}
	js, _ := json.MarshalIndent(shape, "", " ")
	return string(js)
}

// statusShape is a topology's status without counters, names and
// addresses.
func statusShape(ctx context.Context, t *testing.T, o *orchestrator.Orchestrator, name string) string {
	t.Helper()
	st, err := o.Status(ctx, name, orchestrator.StatusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var shape []any
	for _, n := range st.Nodes {
		shape = append(shape, []any{n.Name, n.Role, n.State, n.Ready, n.Neighbors, n.Links, n.Error})
	}
	for _, s := range st.Segments {
		shape = append(shape, []any{s.Name, s.Members})
	}
	shape = append(shape, st.Faults, st.Layout)
	js, _ := json.MarshalIndent(shape, "", " ")
	return string(js)
}
