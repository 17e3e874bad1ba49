package transport

import (
	"testing"
	"time"
)

// A big shared segment says hello less often, and waits as much longer
// before it takes a silent member for dead; a link or a small segment
// keeps the defaults.
func TestHelloIntervalsScaleWithMembers(t *testing.T) {
	o := DefaultOptions()
	members := func(n int) map[string]bool {
		m := map[string]bool{}
		for i := range n {
			m[string(rune('a'+i%26))+string(rune('0'+i/26))] = true
		}
		return m
	}
	for _, tc := range []struct {
		seg      *Segment
		scale    time.Duration
		downAsUp bool // a big segment's hellos go no faster while a link is down
	}{
		{&Segment{}, 1, false},
		{seg(members(4)), 1, false},
		{seg(members(50)), 6, false},
		{seg(members(51)), 6, true},
		{seg(members(249)), 31, true},
	} {
		up, down := tc.seg.helloIntervals(o)
		wantDown := o.HelloDown * tc.scale
		if tc.downAsUp {
			wantDown = o.HelloUp * tc.scale
		}
		if up != o.HelloUp*tc.scale || down != wantDown {
			t.Errorf("%d members: hellos every %v (%v while down), want %v (%v)", len(tc.seg.roster().members), up, down, o.HelloUp*tc.scale, wantDown)
		}
		doubt, dead := livenessBounds(o, tc.seg)
		if dead < 3*up || doubt < up {
			t.Errorf("%d members: in doubt after %v, dead after %v, with hellos every %v", len(tc.seg.roster().members), doubt, dead, up)
		}
	}
}

// A link coming up on a shared segment has the node put a hello on it at
// most once per down interval: a small segment's newcomers hear at once,
// a big one's wait for the members' own hellos.
func TestAnswerHelloAtMostOncePerDownInterval(t *testing.T) {
	o := DefaultOptions()
	small := seg(map[string]bool{"a": true, "b": true})
	if !small.mayAnswerHello(o) {
		t.Fatal("the first link up on a small segment puts no hello")
	}
	if small.mayAnswerHello(o) {
		t.Error("a second link up at once puts another hello")
	}
	time.Sleep(o.HelloDown + 10*time.Millisecond)
	if !small.mayAnswerHello(o) {
		t.Error("a link up a down interval later puts no hello")
	}
}

// seg is a shared segment with members.
func seg(members map[string]bool) *Segment {
	s := &Segment{shared: true}
	s.r.Store(&roster{members: members})
	return s
}
