package experiment

import (
	"context"
	"testing"
	"time"

	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// A timeline whose last step ends late (a fault's helper slow to start,
// its lift held back) runs on for the time the file gives after that
// step, so that what must hold after it gets its tries.
func TestTimelineEndsAfterALateStep(t *testing.T) {
	const length, planned, late = 200 * time.Millisecond, 100 * time.Millisecond, 400 * time.Millisecond
	top := &topology.Topology{Faults: []topology.ScheduledFault{{At: planned, Node: "a", Action: "restart"}}}
	r := &recorder{samples: map[int][]stamped{}, errs: map[int]string{}, firsts: map[string]bool{}}
	start := time.Now()
	opts := Options{Progress: func(string) {}, Timeline: func(ctx context.Context, start time.Time, observe func(orchestrator.StepDone)) error {
		time.Sleep(planned + late)
		observe(orchestrator.StepDone{Planned: planned, Began: start.Add(planned), Done: time.Now(), What: "restart a"})
		return nil
	}}
	if err := r.runTimeline(context.Background(), nil, "t", top, opts, start, length); err != nil {
		t.Fatal(err)
	}
	if got := r.lateness(); got < late {
		t.Errorf("lateness %v, want at least %v", got, late)
	}
	if ran := time.Since(start); ran < length+late {
		t.Errorf("the timeline ended %v after its start, before its length %v plus the lateness %v", ran, length, late)
	}
}
