package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/orchestrator"
)

// TestIntegrationKilledUpIsCompleted kills `topo up` (kill -9: no rollback)
// while it creates a star's nodes: a second up completes what the first
// left, status then shows every node running and ready, and down leaves
// nothing, route helpers included.
func TestIntegrationKilledUpIsCompleted(t *testing.T) {
	livetest.Require(t)
	name := livetest.Name(t, "killed")
	t.Cleanup(func() { topo(t, nil, "down", name) })
	file := filepath.Join(t.TempDir(), "star.yaml")
	if err := os.WriteFile(file, []byte("layout: star\nnodes: 8\ntraffic: {interval: 0}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(topoBinary(t), "up", "--name", name, "--max-workers", "2", file)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "containers 3/8 ") { // three nodes made, five under way or not begun
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	_ = cmd.Wait()

	r := topo(t, nil, "up", "--name", name, file).must(t, 0)
	t.Logf("up after the killed up:\n%s", r.stdout)
	if !strings.Contains(r.stdout, "completed "+name) || !strings.Contains(r.stdout, "+ node ") {
		t.Errorf("up after a killed up:\n%s%s", r.stdout, r.stderr)
	}
	var st orchestrator.Status
	decode(t, topo(t, nil, "status", name, "-o", "json").must(t, 0).stdout, &st)
	if len(st.Nodes) != 8 {
		t.Errorf("status lists %d nodes, want 8", len(st.Nodes))
	}
	for _, n := range st.Nodes {
		if n.State != "running" || !n.Ready {
			t.Errorf("node %s is %s, ready %v: %s", n.Name, n.State, n.Ready, n.Error)
		}
	}
	if r := topo(t, nil, "up", "--name", name, file).must(t, 0); !strings.Contains(r.stdout, "nothing changed") {
		t.Errorf("a third up: %s", r.stdout)
	}
	topo(t, nil, "down", name).must(t, 0)
	o := livetest.Engine(t)
	left := livetest.Leftovers(t, o, name)
	helpers, err := o.Runtime().ListContainers(context.Background(), map[string]string{engine.LabelHelper: name})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range helpers {
		left = append(left, "helper "+h.Name)
	}
	if len(left) > 0 {
		t.Errorf("down left %v", left)
	}
}
