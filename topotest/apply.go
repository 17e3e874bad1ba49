package topotest

import (
	"context"
	"errors"
	"testing"

	"github.com/topo-dev/topo/orchestrator"
)

// Apply changes the running topology to what file says now, as `topo up
// FILE` does on a topology that runs from an earlier version of its file:
// it applies the difference in place (impairments and the fault schedule
// changed without restarting anything, nodes whose own settings changed
// recreated), leaves every other node running with its counters, and
// returns the operations it applied, one a line (`~ link hub–spoke2 delay
// 5ms → 20ms`); none when the topology runs as file says. file may be
// another path than Up's: the topology keeps Up's file as its own. The
// options given to Up apply to it too. It fails the test, with up's
// message (what differs, and why it cannot be applied), when up refuses
// the change. A changed fault schedule starts again from now.
func (top *Topology) Apply(t testing.TB, file string) []string {
	t.Helper()
	spec := top.load(t, file)
	spec.File = top.spec.File // Up's file, as its resources are labelled
	ctx, cancel := context.WithTimeout(t.Context(), top.opts.timeout)
	defer cancel()
	res, err := top.o.Up(ctx, spec, orchestrator.UpOptions{Name: top.Name, Timeout: top.opts.timeout})
	if err != nil {
		t.Fatalf("topotest: apply %s: %v", file, err)
	}
	if res.AlreadyRunning {
		return nil
	}
	top.Plan, top.spec = res.Plan, spec
	if res.ScheduleChanged {
		if top.schedule != nil {
			top.stopSchedule()
			if err := <-top.schedule; err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("topotest: the fault schedule that ran: %v", err)
			}
			top.schedule = nil
		}
		if len(spec.Faults) > 0 && len(spec.Expect) == 0 { // one that expects runs them in Expect
			top.startSchedule(t, spec)
		}
	}
	return append(res.Changed, res.Completed...)
}
