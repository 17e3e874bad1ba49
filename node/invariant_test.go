package node_test

import (
	"testing"
	"time"
)

// TestCountersInvariant runs background traffic on every layout, stops it,
// and checks that every message originated was delivered or dropped.
func TestCountersInvariant(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec *spec
	}{
		{"star-tcp", starSpec("tcp", 3)},
		{"ring-udp", ringSpec("udp", 4)},
		{"ring-tcp", ringSpec("tcp", 3)},
		{"bus", busSpec(4)},
		{"p2p-tcp", p2pSpec("tcp", 3)},
		{"client-server-udp", clientServerSpec("udp", 3, false)},
		{"custom-tcp", customSpec("tcp")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.spec.every = 10 * time.Millisecond
			c := startSpec(t, tc.spec)
			c.waitReady()
			eventually(t, 10*time.Second, "every node to originate", func() bool {
				for _, s := range c.stats() {
					if s.Counters.Originated < 5 {
						return false
					}
				}
				return true
			})
			for _, n := range c.order {
				c.agent(n).SetTraffic(false)
			}
			var orig, done, dropped uint64
			eventually(t, 10*time.Second, "traffic to settle", func() bool {
				orig, done, dropped = 0, 0, 0
				for _, s := range c.stats() {
					orig += s.Counters.Originated
					done += s.Counters.Delivered + s.Counters.Dropped
					dropped += s.Counters.Dropped
				}
				return orig == done
			})
			if dropped != 0 {
				t.Errorf("%d of %d messages dropped on a healthy topology: %+v", dropped, orig, c.stats())
			}
		})
	}
}
