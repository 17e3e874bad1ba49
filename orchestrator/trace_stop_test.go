package orchestrator_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
)

// A trace across a link the faults in force cut goes only as far as the
// link's near end and says why it stops there: no probe waits on the far
// side, where a packet filter drops it, and the near end's late "host
// unreachable" is never listed again as a hop.
func TestTraceStopsAtACut(t *testing.T) {
	for _, tc := range []struct {
		name     string
		fault    func(ctx context.Context, o *orchestrator.Orchestrator, f *fakeRuntime) error
		wantHops string // --max-hops of the trace run; "" for none run
		wantStop *agent.TraceStop
	}{
		{"no fault", nil, "30", nil},
		{"the hub's link to the destination is cut", func(ctx context.Context, o *orchestrator.Orchestrator, _ *fakeRuntime) error {
			_, err := o.Link(ctx, "star", orchestrator.LinkOptions{A: "hub", B: "spoke3", Down: true})
			return err
		}, "1", &agent.TraceStop{Node: "hub", Why: "link hub–spoke3 is down"}},
		{"the source's own link is cut", func(ctx context.Context, o *orchestrator.Orchestrator, _ *fakeRuntime) error {
			_, err := o.Link(ctx, "star", orchestrator.LinkOptions{A: "hub", B: "spoke1", Down: true})
			return err
		}, "", &agent.TraceStop{Node: "spoke1", Why: "link spoke1–hub is down"}},
		{"the destination does not run", func(_ context.Context, _ *orchestrator.Orchestrator, f *fakeRuntime) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			for _, c := range f.containers {
				if c.Labels[engine.LabelNode] == "spoke3" {
					c.State = "exited"
				}
			}
			return nil
		}, "1", &agent.TraceStop{Node: "hub", Why: "spoke3 is not running (exited)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			o := fakeOrchestrator(f)
			ctx := context.Background()
			up, err := o.Up(ctx, load(t, "../topologies/star.yaml"), orchestrator.UpOptions{})
			if err != nil {
				t.Fatal(err)
			}
			hub, _ := up.Plan.AddrFrom("spoke1", "hub")
			to, _ := up.Plan.AddrFrom("spoke1", "spoke3")
			f.traceOut = fmt.Sprintf(`{"to":%q,"hops":[{"ttl":1,"addr":%q,"rtt_ms":0.1}],"reached":false}`, to, hub)
			if tc.fault != nil {
				if err := tc.fault(ctx, o, f); err != nil {
					t.Fatal(err)
				}
			}
			r, err := o.Trace(ctx, "star", orchestrator.TraceOptions{From: "spoke1", To: "spoke3"})
			if err != nil {
				t.Fatal(err)
			}
			var ran string
			if len(f.traceCmds) > 0 {
				c := f.traceCmds[len(f.traceCmds)-1]
				ran = c[slices.Index(c, "--max-hops")+1]
			}
			if len(f.traceCmds) > 1 || ran != tc.wantHops {
				t.Errorf("traces run %q, want one with --max-hops %q", f.traceCmds, tc.wantHops)
			}
			switch got := r.Stop; {
			case tc.wantStop == nil && got != nil:
				t.Errorf("stop %+v, want none", *got)
			case tc.wantStop != nil && (got == nil || got.Node != tc.wantStop.Node || got.Why != tc.wantStop.Why):
				t.Errorf("stop %+v, want %+v", got, *tc.wantStop)
			case tc.wantStop != nil && tc.wantHops != "" && got.Addr != hub.String():
				t.Errorf("stop at %s, want the hub's %s", got.Addr, hub)
			}
		})
	}
}
