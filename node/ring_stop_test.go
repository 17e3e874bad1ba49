package node_test

import (
	"context"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
)

// TestRingStopDropsOutbox stops a ring node while its messages wait for a
// token that never comes: they count as dropped (stopped), so originated
// still equals delivered plus dropped.
func TestRingStopDropsOutbox(t *testing.T) {
	s := ringSpec("tcp", 3)
	c := startConfigs(t, s.configs(), []string{"r1"}) // alone: no token
	a := c.agent("r1")
	eventually(t, 5*time.Second, "r1 to run", func() bool {
		_, err := a.Send(context.Background(), "r2", "x", false)
		return err == nil
	})
	ctx := context.Background()
	for _, to := range []string{"r3", "*"} {
		if r, err := a.Send(ctx, to, "x", false); err != nil || !r.Queued {
			t.Fatalf("send to %s: %+v, %v", to, r, err)
		}
	}
	waiting := make(chan agent.Receipt, 1)
	go func() {
		r, _ := a.Send(ctx, "r2", "with receipt", true)
		waiting <- r
	}()
	eventually(t, 5*time.Second, "the messages to be sent", func() bool {
		st := a.Stats().Counters
		return st.Originated == 3 && st.BroadcastOriginated == 1
	})
	c.stop("r1")
	if r := <-waiting; r.Delivered || r.Reason != agent.ReasonStopped {
		t.Errorf("send waiting for its receipt when the agent stopped: %+v", r)
	}
	st := a.Stats().Counters
	if st.Originated != 3 || st.Delivered+st.Dropped != st.Originated || st.DroppedByReason[agent.ReasonStopped] != 3 {
		t.Errorf("after stop: originated %d, delivered %d, dropped %v; want all 3 dropped as stopped",
			st.Originated, st.Delivered, st.DroppedByReason)
	}
}
