package orchestrator_test

import (
	"context"
	"testing"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/orchestrator"
)

// An agent that has not started yet answers with agent.ExitNoAgent, and
// topo asks again; any other failure is reported at once. The exit code is
// the contract: no error text is matched.
func TestFaultsWaitForAnAgentThatIsStarting(t *testing.T) {
	for _, tt := range []struct {
		exits  []int
		wantOK bool
		asks   int // faults commands run in all, at most
	}{
		{exits: []int{agent.ExitNoAgent, agent.ExitNoAgent}, wantOK: true, asks: 4},
		// Both ends are told at once; the one that failed is not asked
		// again.
		{exits: []int{agent.ExitFailure}, asks: 2},
	} {
		f := newFake()
		o := fakeOrchestrator(f)
		ctx := context.Background()
		if _, err := o.Up(ctx, load(t, "../topologies/star.yaml"), orchestrator.UpOptions{}); err != nil {
			t.Fatal(err)
		}
		mark := len(f.steps)
		f.faultsExits = tt.exits
		_, err := o.Link(ctx, "star", orchestrator.LinkOptions{A: "spoke2", B: "hub", Down: true})
		if tt.wantOK != (err == nil) {
			t.Errorf("exits %v: link down = %v; want success %v", tt.exits, err, tt.wantOK)
		}
		asks := 0
		for _, s := range f.steps[mark:] {
			if len(s) > 7 && s[:7] == "faults " {
				asks++
			}
		}
		if asks > tt.asks || tt.wantOK && asks != tt.asks {
			t.Errorf("exits %v: %d faults commands, want %d", tt.exits, asks, tt.asks)
		}
	}
}
