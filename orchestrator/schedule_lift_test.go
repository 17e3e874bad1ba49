package orchestrator

import (
	"testing"
	"time"

	"github.com/topo-dev/topo/orchestrator/internal/faults"
	"github.com/topo-dev/topo/topology"
)

// A lift waits until its fault has held for its duration, however late
// the fault took effect; every other step runs at its time.
func TestLiftAt(t *testing.T) {
	s := time.Second
	start := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	schedule := []topology.ScheduledFault{{At: s, For: 4 * s, Link: []string{"a", "b"}, Down: true}}
	for _, c := range []struct {
		name    string
		step    faults.Step
		applied map[int]time.Time
		want    time.Duration
	}{
		{"apply", faults.Step{At: s}, nil, s},
		{"lift on time", faults.Step{At: 5 * s, Lift: true}, map[int]time.Time{0: start.Add(1200 * time.Millisecond)}, 5200 * time.Millisecond},
		{"lift of a late fault", faults.Step{At: 5 * s, Lift: true}, map[int]time.Time{0: start.Add(6 * s)}, 10 * s},
		{"lift of a fault never applied", faults.Step{At: 5 * s, Lift: true}, nil, 5 * s},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := liftAt(start, c.step, schedule, c.applied).Sub(start); got != c.want {
				t.Errorf("at %v, want %v", got, c.want)
			}
		})
	}
}
