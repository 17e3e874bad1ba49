package orchestrator_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/orchestrator"
)

// TestIntegrationBus100 brings up a bus of 100 nodes with default
// traffic: every node ready, a message across, and all of it removed.
// It measures nothing: go run ./bench does. It is the package's longest
// test (about five minutes on a slow engine, a segment's members going
// one at a time in down), so its file sorts first: go test mostly starts
// parallel tests in source order, and one that starts last ends the
// package last.
func TestIntegrationBus100(t *testing.T) {
	t.Parallel()
	o := livetest.Engine(t)
	file := filepath.Join(t.TempDir(), "bus100.yaml")
	if err := os.WriteFile(file, []byte("layout: bus\nnodes: 100\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The default timeout, not the shorter one of the other tests: beside
	// them, a bus of 100 took more than three minutes.
	name := livetest.Name(t, "bus100")
	t.Cleanup(func() {
		// An engine that takes a second a container took more than two
		// minutes to remove the bus (a segment's members go one at a time).
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if _, err := o.Down(ctx, name, orchestrator.DownOptions{}); err != nil {
			t.Errorf("down %s: %v", name, err)
		}
		if left := livetest.Leftovers(t, o, name); len(left) > 0 {
			t.Errorf("down %s left %v", name, left)
		}
	})
	start := time.Now()
	res, err := o.Up(context.Background(), load(t, file), orchestrator.UpOptions{Name: name})
	if err != nil {
		t.Fatalf("up %s: %v", name, err)
	}
	t.Logf("a bus of 100 up and ready in %v", time.Since(start).Round(time.Second))

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, err := o.Status(ctx, res.Name, orchestrator.StatusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ready := 0
	for _, n := range st.Nodes {
		if n.Ready {
			ready++
		}
	}
	if len(st.Nodes) != 100 || ready != 100 {
		t.Errorf("status: %d nodes, %d ready; want 100 of 100", len(st.Nodes), ready)
	}
	r, err := o.Send(ctx, res.Name, orchestrator.SendOptions{From: "node1", To: "node100", Text: "across the bus"})
	if err != nil || !r.Delivered {
		t.Errorf("send node1 → node100: %+v, %v", r, err)
	}
}
