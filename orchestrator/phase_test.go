package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// A phase ends done, failed with its own error, or stopped when it was
// cut short by an interruption or by another phase's failure, which is
// told there: up's networks, stopped by a node that failed beside them,
// must not say they failed too.
func TestPhaseTellsAFailureOnce(t *testing.T) {
	boom := errors.New("boom")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		err  error
		want string
	}{
		{"done", context.Background(), nil, "done"},
		{"its own error", context.Background(), boom, "failed"},
		{"its own error after the cut", cancelled, boom, "failed"},
		{"cut short", cancelled, fmt.Errorf("network x: %w", context.Canceled), "stopped"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []Progress
			u := &upRun{o: &Orchestrator{progress: func(p Progress) { got = append(got, p) }}, name: "t"}
			err := u.phase(tc.ctx, PhaseNetworks, 1, func(context.Context) error { return tc.err })
			if !errors.Is(err, tc.err) || len(got) != 2 || got[1].Status != tc.want {
				t.Fatalf("phase = %v, events %+v; want %v and status %q", err, got, tc.err, tc.want)
			}
		})
	}
}
