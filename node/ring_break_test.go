package node_test

import (
	"context"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
)

// TestRingBreakDropsOutbox stops a node of a ring: the nodes after it never
// get the token, so what they originate waits in their outbox, which stats
// shows, and is dropped with a reason after a bounded wait: link_down where
// the node's own link to the ring is down, no_token further round.
func TestRingBreakDropsOutbox(t *testing.T) {
	c := startSpec(t, ringSpec("tcp", 5))
	c.waitReady()
	c.send("r4", "r1")
	c.stop("r3")
	eventually(t, 5*time.Second, "r4 to see r3 go", func() bool { return !c.agent("r4").Ready() })

	type result struct {
		from string
		r    agent.Receipt
	}
	done := make(chan result, 2)
	for _, from := range []string{"r4", "r5"} {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			r, err := c.agent(from).Send(ctx, "r1", "round the broken ring", true)
			if err != nil {
				t.Error(err)
			}
			done <- result{from, r}
		}()
	}
	eventually(t, 5*time.Second, "the messages to wait in the outboxes", func() bool {
		st := c.stats()
		return st["r4"].Outbox == 1 && st["r5"].Outbox == 1
	})
	start := time.Now()
	want := map[string]string{"r4": agent.ReasonLinkDown, "r5": agent.ReasonNoToken}
	for range 2 {
		res := <-done
		if res.r.Delivered || res.r.Reason != want[res.from] || res.r.DroppedAt != res.from {
			t.Errorf("%s's message: %+v, want dropped at %s as %s", res.from, res.r, res.from, want[res.from])
		}
	}
	t.Logf("dropped %v after they were seen waiting", time.Since(start).Round(10*time.Millisecond))
	for n, st := range c.stats() {
		if st.Outbox != 0 {
			t.Errorf("%s still has %d messages in its outbox", n, st.Outbox)
		}
	}
}
