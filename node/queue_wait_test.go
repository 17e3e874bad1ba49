package node_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node"
)

// TestQueueWaitShorterThanSendTimeout stops a spoke of a star and sends to
// it, from the hub and from the other spoke, with the default options and
// the control channel's default send timeout: the messages wait in the
// hub's queue for the link to come back, and are dropped there as
// link_down in time for the receipt to say so, rather than timeout.
func TestQueueWaitShorterThanSendTimeout(t *testing.T) {
	if node.DefaultQueueWait >= agent.DefaultSendTimeout {
		t.Fatalf("DefaultQueueWait %v is not shorter than DefaultSendTimeout %v", node.DefaultQueueWait, agent.DefaultSendTimeout)
	}
	for _, proto := range []string{"tcp", "udp"} {
		t.Run(proto, func(t *testing.T) {
			s := starSpec(proto, 2)
			c := startConfigs(t, s.configs(), order(s))
			c.waitReady()
			c.stop("spoke2") // it says bye: the hub's link to it is down at once
			eventually(t, 5*time.Second, "the hub's link to spoke2 down", func() bool { return !c.agent("hub").Ready() })
			var wg sync.WaitGroup
			for _, from := range []string{"hub", "spoke1"} {
				wg.Go(func() {
					ctx, cancel := context.WithTimeout(context.Background(), agent.DefaultSendTimeout)
					defer cancel()
					start := time.Now()
					r, err := c.agent(from).Send(ctx, "spoke2", "are you there", true)
					// It said bye: node_down, not a link fault.
					if err != nil || r.Delivered || r.Reason != agent.ReasonNodeDown || r.DroppedAt != "hub" {
						t.Errorf("%s → spoke2 after %v: %+v, %v; want dropped at the hub as node_down", from,
							time.Since(start).Round(time.Millisecond), r, err)
					}
				})
			}
			wg.Wait()
		})
	}
}
