//go:build unix

package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/engine"
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
	// The runner is found through its marker, on this host, as down finds it.
	o := livetest.Engine(t)
	procs := hostProcs{host: hostID()}
	rs, err := o.ScheduleRunners(context.Background(), name)
	if err != nil || len(rs) != 1 {
		t.Fatalf("schedule markers: %+v, %v; want one", rs, err)
	}
	if rs[0].Host != procs.host || !procs.IsRunner(rs[0].PID, name) {
		t.Fatalf("the marker (pid %d on %q) does not lead to a runner of %s on this host (%q)", rs[0].PID, rs[0].Host, name, procs.host)
	}
	topo(t, nil, "down", name).must(t, 0)
	if procs.IsRunner(rs[0].PID, name) {
		t.Errorf("the schedule (pid %d) still runs after down", rs[0].PID)
	}
	if left, err := o.ScheduleRunners(context.Background(), name); err != nil || len(left) != 0 {
		t.Errorf("schedule markers after down: %+v, %v", left, err)
	}
	if hs, err := o.Runtime().ListContainers(context.Background(), map[string]string{engine.LabelHelper: name}); err != nil || len(hs) != 0 {
		t.Errorf("helpers after down: %+v, %v", hs, err)
	}
}
