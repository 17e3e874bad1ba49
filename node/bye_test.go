package node_test

import (
	"context"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node"
)

// datagramPairs are two neighbours that speak datagrams: over a UDP link,
// and on a shared segment.
func datagramPairs() []struct {
	name     string
	spec     *spec
	from, to string
} {
	return []struct {
		name     string
		spec     *spec
		from, to string
	}{
		{"udp", p2pSpec("udp", 2), "p1", "p2"},
		{"shared", busSpec(3), "n1", "n2"},
	}
}

// TestByeTakesLinksDown stops a node under traffic: it says bye, so its
// neighbours' links to it go down at once (long before their hellos would
// be missed), and every message sent to it is delivered or dropped with a
// reason: originated = delivered + dropped over the nodes.
func TestByeTakesLinksDown(t *testing.T) {
	for _, tc := range datagramPairs() {
		t.Run(tc.name, func(t *testing.T) {
			tc.spec.every = 10 * time.Millisecond
			// Hellos every 2s: silence would take 6s to notice.
			c := startSpec(t, tc.spec, node.WithHelloInterval(50*time.Millisecond, 2*time.Second),
				node.WithQueue(256, 200*time.Millisecond))
			c.waitReady()
			from, to := c.agent(tc.from), c.agent(tc.to)
			eventually(t, 5*time.Second, "traffic", func() bool { return to.Stats().Counters.Delivered > 20 })

			start := time.Now()
			c.stop(tc.to)
			eventually(t, time.Second, tc.from+"'s link to "+tc.to+" down", func() bool {
				for _, nb := range from.Stats().Neighbors {
					if nb.Name == tc.to {
						return nb.State == "down"
					}
				}
				return false
			})
			t.Logf("link down %v after the stop began", time.Since(start).Round(time.Millisecond))
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if r, err := from.Send(ctx, tc.to, "after bye", true); err != nil || r.Reason != agent.ReasonNodeDown {
				t.Errorf("message to the stopped node: %+v, %v; want dropped as node_down", r, err)
			}

			for _, n := range c.order {
				if m := c.node(n); m != nil {
					m.agent.SetTraffic(false)
				}
			}
			everyone := []*node.Agent{to}
			for _, n := range c.order {
				if m := c.node(n); m != nil {
					everyone = append(everyone, m.agent)
				}
			}
			var orig, done uint64
			eventually(t, 5*time.Second, "every message delivered or dropped", func() bool {
				orig, done = 0, 0
				for _, a := range everyone {
					st := a.Stats().Counters
					orig += st.Originated
					done += st.Delivered + st.Dropped
				}
				return orig == done
			})
		})
	}
}

// TestSilentNeighbourUnconfirmed kills a node without a bye: a message for
// it is not sent into the void once the neighbour has been silent for
// longer than a live one is; it is dropped as unconfirmed, and later, with
// the link down, as link_down.
func TestSilentNeighbourUnconfirmed(t *testing.T) {
	for _, tc := range datagramPairs() {
		t.Run(tc.name, func(t *testing.T) {
			// Hellos every 500ms: in doubt after 1s, down after 1.5s.
			c := startSpec(t, tc.spec, node.WithHelloInterval(50*time.Millisecond, 500*time.Millisecond),
				node.WithQueue(256, 100*time.Millisecond))
			c.stop(tc.to)
			c.start(tc.to, node.WithoutBye())
			c.waitReady()
			c.send(tc.from, tc.to)
			from := c.agent(tc.from)

			c.stop(tc.to)
			stopped := time.Now()
			var st agent.Counters
			eventually(t, 10*time.Second, "messages dropped as unconfirmed, then as link_down", func() bool {
				if _, err := from.Send(context.Background(), tc.to, "anyone there?", false); err != nil {
					t.Fatal(err)
				}
				time.Sleep(20 * time.Millisecond)
				st = from.Stats().Counters
				return st.DroppedByReason[agent.ReasonUnconfirmed] > 0 && st.DroppedByReason[agent.ReasonLinkDown] > 0
			})
			t.Logf("%v after the neighbour died: %d originated, dropped %v", time.Since(stopped).Round(time.Millisecond),
				st.Originated, st.DroppedByReason)
		})
	}
}

// TestStopRightAfterASendCountsItOnce stops a node just after it sent a
// message, having heard nothing for a while: it must linger for the ack of
// what it sent, not count it as stopped while its neighbour delivers it
// (counted twice, as a star's spoke once did on a stop fault in CI).
func TestStopRightAfterASendCountsItOnce(t *testing.T) {
	for _, proto := range []string{"tcp", "udp"} {
		t.Run(proto, func(t *testing.T) {
			for round := range 10 {
				// Hellos every second: nothing is heard in the quiet before the send.
				c := startSpec(t, p2pSpec(proto, 2), node.WithHelloInterval(time.Second, 3*time.Second))
				c.waitReady()
				from, to := c.agent("p1"), c.agent("p2")
				time.Sleep(20 * time.Millisecond)
				if _, err := from.Send(context.Background(), "p2", "last words", false); err != nil {
					t.Fatal(err)
				}
				c.stop("p1")
				var got, dropped uint64
				eventually(t, 2*time.Second, "the message delivered or dropped", func() bool {
					got, dropped = to.Stats().Counters.Delivered, from.Stats().Counters.Dropped+to.Stats().Counters.Dropped
					return got+dropped >= 1
				})
				time.Sleep(50 * time.Millisecond) // a second outcome, if there is one
				got, dropped = to.Stats().Counters.Delivered, from.Stats().Counters.Dropped+to.Stats().Counters.Dropped
				if got+dropped != 1 {
					t.Fatalf("round %d: 1 message, delivered %d, dropped %d (%v at the sender)", round, got, dropped,
						from.Stats().Counters.DroppedByReason)
				}
				c.stopAll()
			}
		})
	}
}
