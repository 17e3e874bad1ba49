package node_test

import (
	"testing"
	"time"

	"github.com/topo-dev/topo/node"
)

// TestKilledNeighbourSettles kills a node under traffic, without a bye and
// with its hellos far apart, as `docker kill` does: what its neighbours
// sent it in the instant before they noticed, datagrams lost in the
// kernel, is still counted, once the acks it never sent are missed, so
// originated = delivered + dropped holds and nothing stays in flight.
func TestKilledNeighbourSettles(t *testing.T) {
	for _, tc := range []struct {
		name     string
		spec     *spec
		from, to string
	}{
		{"udp", p2pSpec("udp", 2), "p1", "p2"},
		{"shared", busSpec(3), "n1", "n2"},
		{"tcp", starSpec("tcp", 2), "hub", "spoke1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.spec.every = 10 * time.Millisecond
			c := startSpec(t, tc.spec, node.WithHelloInterval(50*time.Millisecond, time.Second),
				node.WithQueue(256, 200*time.Millisecond), node.WithAckWait(500*time.Millisecond))
			c.stop(tc.to)
			c.start(tc.to, node.WithoutBye())
			c.waitReady()
			to := c.agent(tc.to)
			eventually(t, 5*time.Second, "traffic", func() bool { return to.Stats().Counters.Delivered > 20 })
			c.stop(tc.to)

			everyone := []*node.Agent{to}
			for _, n := range c.order {
				if m := c.node(n); m != nil {
					everyone = append(everyone, m.agent)
				}
			}
			eventually(t, 8*time.Second, tc.from+"'s link to "+tc.to+" down", func() bool {
				return neighborState(c.agent(tc.from), tc.to) == "down"
			})
			for _, a := range everyone {
				a.SetTraffic(false)
			}
			var orig, done uint64
			var inFlight int
			var dropped map[string]uint64
			eventually(t, 10*time.Second, "every message delivered or dropped, none in flight", func() bool {
				orig, done, inFlight = 0, 0, 0
				dropped = map[string]uint64{}
				for _, a := range everyone {
					st := a.Stats()
					orig += st.Counters.Originated
					done += st.Counters.Delivered + st.Counters.Dropped
					inFlight += st.InFlight
					for r, n := range st.Counters.DroppedByReason {
						dropped[r] += n
					}
				}
				return orig == done && inFlight == 0
			})
			t.Logf("originated %d, dropped %v", orig, dropped)
		})
	}
}

func neighborState(a *node.Agent, name string) string {
	for _, nb := range a.Stats().Neighbors {
		if nb.Name == name {
			return nb.State
		}
	}
	return ""
}
