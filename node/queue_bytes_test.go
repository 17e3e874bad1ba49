package node_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node"
)

// TestQueueByteBounds queues far more bytes than the bounds allow, to
// neighbours that are down (or behind a slow shaper, or in a ring outbox
// with no token): what the agent holds stays within the per-queue and
// per-agent bounds, and every message that does not fit is dropped as
// queue_full, so originated = held + dropped.
func TestQueueByteBounds(t *testing.T) {
	const kib = 1 << 10
	for _, tc := range []struct {
		name     string
		spec     *spec
		run      []string // the nodes started; the others stay down
		to       []string // where the messages go, round robin
		n, size  int
		perQueue int64 // 0: the defaults
		total    int64
		imp      agent.Impairment
		queues   int // the queues that hold them; 0: one per destination
	}{
		{name: "link down, default bounds", spec: starSpec("tcp", 2), run: []string{"hub"},
			to: []string{"spoke1"}, n: 100, size: 60000},
		{name: "links down, agent total", spec: starSpec("udp", 4), run: []string{"hub"},
			to: []string{"spoke1", "spoke2", "spoke3", "spoke4"}, n: 200, size: 20000, perQueue: 256 * kib, total: 512 * kib},
		{name: "slow shaper", spec: p2pSpec("tcp", 2), run: []string{"p1", "p2"},
			to: []string{"p2"}, n: 100, size: 30000, perQueue: 128 * kib, total: 1024 * kib,
			imp: agent.Impairment{Rate: 10_000}, queues: 2}, // the link's and the shaper's
		{name: "ring outbox", spec: ringSpec("tcp", 3), run: []string{"r1"},
			to: []string{"r2", "r3"}, n: 100, size: 60000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			perQueue, total := tc.perQueue, tc.total
			if perQueue == 0 {
				perQueue, total = node.DefaultQueueBytes, node.DefaultQueueTotal
			}
			cfgs := tc.spec.configs()
			if !tc.imp.IsZero() {
				impair(cfgs, tc.imp)
			}
			c := startConfigs(t, cfgs, tc.run, node.WithQueueBytes(tc.perQueue, tc.total))
			if len(tc.run) > 1 {
				c.waitReady()
			}
			a := c.agent(tc.run[0])
			eventually(t, 5*time.Second, "the agent to run", func() bool {
				_, err := a.Send(context.Background(), tc.run[0], "", false)
				return err == nil
			})
			text := strings.Repeat("x", tc.size)
			for i := range tc.n {
				if _, err := a.Send(context.Background(), tc.to[i%len(tc.to)], text, false); err != nil {
					t.Fatal(err)
				}
			}
			st := a.Stats()
			if st.QueuedBytes > total {
				t.Errorf("the agent holds %d bytes, over its bound of %d", st.QueuedBytes, total)
			}
			var held int
			var sum int64
			for _, nb := range st.Neighbors {
				if nb.QueuedBytes > perQueue {
					t.Errorf("the queue to %s holds %d bytes in %d frames, over its bound of %d", nb.Name, nb.QueuedBytes, nb.Queued, perQueue)
				}
				held += nb.Queued
				sum += nb.QueuedBytes
			}
			if sum > st.QueuedBytes {
				t.Errorf("the links hold %d bytes, more than the agent's total %d", sum, st.QueuedBytes)
			}
			cnt := st.Counters
			// Originated counts the first message, to the node itself.
			if cnt.Originated != uint64(tc.n)+1 || cnt.Dropped != cnt.DroppedByReason[agent.ReasonQueueFull] {
				t.Fatalf("counters %+v, want %d originated and drops for queue_full only", cnt, tc.n+1)
			}
			// A frame costs at least its payload, so a bound of B bytes
			// holds at most B/size of them.
			queues := tc.queues
			if queues == 0 {
				queues = len(tc.to)
			}
			most := min(total, perQueue*int64(queues)) / int64(tc.size)
			if least := uint64(tc.n) - uint64(most); cnt.Dropped < least {
				t.Errorf("%d dropped as queue_full, want at least %d of %d", cnt.Dropped, least, tc.n)
			}
			if tc.imp.IsZero() && tc.spec.layout != node.LayoutRing && cnt.Dropped+uint64(held) != uint64(tc.n) {
				t.Errorf("%d dropped and %d held, want the %d sent", cnt.Dropped, held, tc.n)
			}
			// Once stopped, the agent has dropped what it held and owes
			// nothing to its bounds.
			for _, n := range tc.run {
				c.stop(n)
			}
			if st := a.Stats(); st.QueuedBytes != 0 || st.Counters.Dropped != uint64(tc.n) {
				t.Errorf("after stop: %d bytes held, %d of %d dropped", st.QueuedBytes, st.Counters.Dropped, tc.n)
			}
		})
	}
}
