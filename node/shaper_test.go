package node

import (
	"testing"
	"time"
)

func TestShaperSchedule(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		name string
		imp  Impairment
	}{
		{"delay", Impairment{Delay: Duration(30 * time.Millisecond)}},
		{"jitter", Impairment{Delay: Duration(5 * time.Millisecond), Jitter: Duration(5 * time.Millisecond)}},
		{"jitter beyond delay", Impairment{Delay: Duration(time.Millisecond), Jitter: Duration(20 * time.Millisecond)}},
		{"rate", Impairment{Rate: 1_000_000}},
		{"all", Impairment{Delay: Duration(10 * time.Millisecond), Jitter: Duration(3 * time.Millisecond), Rate: 8_000_000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &shaper{imp: tc.imp}
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
