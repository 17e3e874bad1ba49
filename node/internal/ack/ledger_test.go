package ack

import (
	"testing"
	"time"
)

// An ack too old to be sent again is forgotten when the next is had,
// rather than kept until the link has remembered maxSeen.
func TestOldAcksAreForgotten(t *testing.T) {
	var g Ledger[int]
	now := time.Now()
	g.seen = append(g.seen, seenFrame{seenKey{Key{"b", 1}, 1}, now.Add(-2 * ReackWithin)},
		seenFrame{seenKey{Key{"b", 2}, 1}, now.Add(-ReackWithin / 2)})
	if !g.Remember(Key{"b", 3}, 1, now) {
		t.Fatal("a frame not had before counts as had")
	}
	if len(g.seen) != 2 || g.seen[0].k.ID != 2 || g.seen[1].k.Key != (Key{"b", 3}) {
		t.Errorf("recent acks %+v, want the one still young enough to send again, and the new one", g.seen)
	}
	if g.Remember(Key{"b", 3}, 1, now) {
		t.Error("a copy of a frame had counts as new")
	}
	if !g.Remember(Key{"b", 3}, 2, now) {
		t.Error("a frame that looped back (one hop more) counts as a copy")
	}
}
