package ring

import (
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
)

// TestRingTimeout: the leader waits for the token longer than the slowest
// round its links' impairment allows (each hop delayed by up to delay plus
// jitter, and held), with room to spare, so that a slow ring is not taken
// for a broken one.
func TestRingTimeout(t *testing.T) {
	ms := func(n int) agent.Duration { return agent.Duration(time.Duration(n) * time.Millisecond) }
	for _, tc := range []struct {
		name string
		n    int
		hold time.Duration
		imp  agent.Impairment
	}{
		{"unimpaired", 5, 50 * time.Millisecond, agent.Impairment{}},
		{"issue 10: 500ms delays in a ring of 5", 5, 50 * time.Millisecond, agent.Impairment{Delay: ms(500)}},
		{"jitter", 8, 50 * time.Millisecond, agent.Impairment{Delay: ms(200), Jitter: ms(150)}},
		{"slow rate", 5, 50 * time.Millisecond, agent.Impairment{Delay: ms(100), Rate: 2000}},
		{"big ring, short hold", 100, 2 * time.Millisecond, agent.Impairment{Delay: ms(30)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			segs := []agent.Segment{{Name: "a"}, {Name: "b", Impairment: tc.imp}}
			got := Timeout(tc.n, tc.hold, segs)
			hop := tc.hold + tc.imp.Delay.D() + tc.imp.Jitter.D()
			if tc.imp.Rate > 0 {
				hop += time.Duration(100 * 8 * float64(time.Second) / float64(tc.imp.Rate)) // a token of 100 bytes
			}
			slowest := time.Duration(tc.n) * hop
			if got < 2*slowest || got < 2*time.Second {
				t.Errorf("timeout %v for a ring whose slowest round takes %v; want at least twice that, and 2s", got, slowest)
			}
		})
	}
}
