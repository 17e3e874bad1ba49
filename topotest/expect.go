package topotest

import (
	"context"
	"testing"
	"time"

	"github.com/topo-dev/topo/internal/experiment"
)

// Report is what Expect saw: the timeline as it ran and a verdict on each
// expectation, as topo test reports it.
type Report = experiment.Report

// Expect runs the file's expectations (its expect: section) against the
// topology while the file's fault timeline runs, as `topo test` does, and
// reports each expectation as a subtest of t, failed with what was seen
// (the first failure, its moment, the faults in force). A file with an
// expect: section runs its faults: here, not from Up, so that the faults
// and the probes share one clock. It returns the whole report.
func (top *Topology) Expect(t *testing.T) *Report {
	t.Helper()
	if len(top.spec.Expect) == 0 {
		t.Fatalf("topotest: %s expects nothing: its file has no expect: section", top.Name)
	}
	timeout := experiment.Length(top.spec, experiment.DefaultHold) + top.opts.timeout
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	rep, err := experiment.Run(ctx, top.o, top.Name, top.spec, experiment.Options{Progress: func(line string) { t.Log(line) }})
	if err != nil {
		t.Fatalf("topotest: %v", err)
	}
	for _, r := range rep.Results {
		t.Run(r.Name, func(t *testing.T) {
			if !r.Passed {
				t.Error(r.Summary)
				return
			}
			t.Log(r.Summary)
		})
	}
	t.Logf("topotest: %s: %d of %d expectations held (timeline %s)", top.Name, len(rep.Results)-rep.Failed(), len(rep.Results), rep.Length.Round(time.Millisecond))
	return rep
}
