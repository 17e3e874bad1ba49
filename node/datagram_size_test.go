package node_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
)

// TestDatagramSizeLimit sends messages just over and at
// agent.MaxDatagramPayload: where the first hop is a datagram (UDP, a
// shared segment, a broadcast on one) a longer text is refused by Send;
// one of the limit is delivered, sealed or not; over TCP the limit does
// not apply.
func TestDatagramSizeLimit(t *testing.T) {
	limit := agent.MaxDatagramPayload
	for _, tc := range []struct {
		name     string
		s        *spec
		secret   string
		from, to string
		size     int
		refused  bool
	}{
		{"udp over", p2pSpec("udp", 2), "", "p1", "p2", limit + 1, true},
		{"udp at", p2pSpec("udp", 2), "", "p1", "p2", limit, false},
		{"udp at, sealed", ringSpec("udp", 5), testSecret, "r1", "r5", limit, false},
		{"udp ring, 65420", ringSpec("udp", 3), "", "r1", "r3", 65420, true},
		{"bus over", busSpec(3), "", "n1", "n3", limit + 1, true},
		{"bus broadcast over", busSpec(3), "", "n1", "*", limit + 1, true},
		{"tcp over", p2pSpec("tcp", 2), "", "p1", "p2", 65000, false},
		{"tcp broadcast over", p2pSpec("tcp", 3), "", "p1", "*", 65000, false},
		{"custom, tcp first hop", customSpec("tcp"), "", "a", "b", 60000, false},
		{"custom, across the lan", customSpec("tcp"), "", "b", "c", limit + 1, true},
		{"custom, to the lan from afar", customSpec("tcp"), "", "a", "c", 60000, false}, // b forwards it: fits a datagram still
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfgs := withSecret(tc.s.configs(), tc.secret)
			c := startConfigs(t, cfgs, order(tc.s))
			c.waitReady()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			r, err := c.agent(tc.from).Send(ctx, tc.to, strings.Repeat("x", tc.size), tc.to != "*")
			switch {
			case tc.refused && (err == nil || !strings.Contains(err.Error(), "exceeds 57000")):
				t.Errorf("%d bytes to %s: %+v, %v; want refused", tc.size, tc.to, r, err)
			case !tc.refused && (err != nil || !r.Sent()):
				t.Errorf("%d bytes to %s: %+v, %v; want it sent and delivered", tc.size, tc.to, r, err)
			}
			if !tc.refused {
				return
			}
			for name, st := range c.stats() {
				if st.Counters.Originated+st.Counters.BroadcastOriginated+st.Counters.Dropped != 0 {
					t.Errorf("%s counted the refused message: %+v", name, st.Counters)
				}
			}
		})
	}
}
