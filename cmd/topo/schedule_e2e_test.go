package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/internal/livetest"
)

// TestIntegrationUpRunsTheSchedule: topo up starts the file's fault
// schedule in the background; topo logs shows its steps; topo down stops it.
func TestIntegrationUpRunsTheSchedule(t *testing.T) {
	livetest.Require(t)
	name := livetest.Name(t, "sched")
	file := filepath.Join(t.TempDir(), "sched.yaml")
	yaml := "layout: p2p\nnodes: 2\ntraffic: {interval: 0}\nfaults:\n  - {at: 1s, link: [peer1, peer2], down: 1s}\n  - {at: 1h, node: peer1, action: stop}\n"
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { topo(t, nil, "down", name) })
	up := topo(t, nil, "up", "--name", name, file).must(t, 0)
	if !strings.Contains(up.stdout, "fault schedule: 2 faults over the next 3600s") {
		t.Errorf("up says nothing of the schedule:\n%s", up.stdout)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		out := topo(t, nil, "logs", "-t", name, "faults", "-o", "json").stdout
		if strings.Count(out, `"event":"fault"`) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the schedule's first two steps are not logged:\n%s", out)
		}
		time.Sleep(500 * time.Millisecond)
	}
	pid, err := schedulePidFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(pid); err != nil {
		t.Fatalf("no schedule runs: %v", err)
	}
	topo(t, nil, "down", name).must(t, 0)
	if _, err := os.Stat(pid); !os.IsNotExist(err) {
		t.Errorf("the schedule still runs after down: %v", err)
	}
}
