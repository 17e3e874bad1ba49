//go:build unix

package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/orchestrator"
)

// TestIntegrationUpChangesTheSchedule: topo up of a running topology whose
// file has another fault schedule says so, stops the runner of the old
// one and starts the file's, touching no node; up again changes nothing;
// a file without a schedule leaves none running.
func TestIntegrationUpChangesTheSchedule(t *testing.T) {
	livetest.Require(t)
	name := livetest.Name(t, "resched")
	file := filepath.Join(t.TempDir(), "resched.yaml")
	write := func(faults string) {
		if err := os.WriteFile(file, []byte("layout: p2p\nnodes: 2\ntraffic: {interval: 0}\n"+faults), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	o := livetest.Engine(t)
	runner := func() []orchestrator.ScheduleRunner {
		t.Helper()
		rs, err := o.ScheduleRunners(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	write("faults:\n  - {at: 1h, link: [peer1, peer2], down: 1s}\n")
	t.Cleanup(func() { topo(t, nil, "down", name) })
	topo(t, nil, "up", "--name", name, file).must(t, 0)
	first := runner()
	if len(first) != 1 {
		t.Fatalf("schedule runners after up: %+v; want one", first)
	}

	write("faults:\n  - {at: 1h, node: peer1, action: stop}\n  - {at: 2h, node: peer2, action: stop}\n")
	up := topo(t, nil, "up", "--name", name, file).must(t, 0)
	for _, w := range []string{"changed " + name, "~ faults: the schedule changed", "fault schedule: 2 faults over the next 7200s"} {
		if !strings.Contains(up.stdout, w) {
			t.Errorf("up of the new schedule says no %q:\n%s", w, up.stdout)
		}
	}
	procs := hostProcs{host: hostID()}
	if procs.IsRunner(first[0].PID, name) {
		t.Errorf("the old schedule (pid %d) still runs", first[0].PID)
	}
	if now := runner(); len(now) != 1 || now[0].PID == first[0].PID || !procs.IsRunner(now[0].PID, name) {
		t.Errorf("schedule runners after the change: %+v; want one new one", now)
	}
	if again := topo(t, nil, "up", "--name", name, file).must(t, 0); !strings.Contains(again.stdout, "nothing changed") {
		t.Errorf("up again:\n%s", again.stdout)
	}

	write("")
	topo(t, nil, "up", "--name", name, file).must(t, 0)
	if left := runner(); len(left) != 0 {
		t.Errorf("schedule runners once the file has none: %+v", left)
	}
}
