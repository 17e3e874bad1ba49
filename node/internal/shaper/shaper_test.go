package shaper

import (
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
)

func TestShaperSchedule(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		name string
		imp  agent.Impairment
	}{
		{"delay", agent.Impairment{Delay: agent.Duration(30 * time.Millisecond)}},
		{"jitter", agent.Impairment{Delay: agent.Duration(5 * time.Millisecond), Jitter: agent.Duration(5 * time.Millisecond)}},
		{"jitter beyond delay", agent.Impairment{Delay: agent.Duration(time.Millisecond), Jitter: agent.Duration(20 * time.Millisecond)}},
		{"rate", agent.Impairment{Rate: 1_000_000}},
		{"all", agent.Impairment{Delay: agent.Duration(10 * time.Millisecond), Jitter: agent.Duration(3 * time.Millisecond), Rate: 8_000_000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Shaper[int]{imp: tc.imp}
			const n, size = 1000, 1000
			tx := time.Duration(0)
			if tc.imp.Rate > 0 {
				tx = time.Duration(size * 8 * float64(time.Second) / float64(tc.imp.Rate))
			}
			least := max(tc.imp.Delay.D()-tc.imp.Jitter.D(), 0)
			prev := now
			for i := range n {
				at := s.schedule(now, size)
				if at.Before(prev) {
					t.Fatalf("frame %d leaves at %v, before the frame ahead of it (%v): reordered", i, at.Sub(now), prev.Sub(now))
				}
				// Frame i starts after i frames are sent, takes tx, then at
				// least the delay less the jitter.
				if min := now.Add(time.Duration(i+1)*tx + least); at.Before(min) {
					t.Fatalf("frame %d leaves after %v, want at least %v", i, at.Sub(now), min.Sub(now))
				}
				prev = at
			}
		})
	}
}
