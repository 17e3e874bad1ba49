package node

import (
	"testing"
	"time"
)

// A big shared segment says hello less often, and waits as much longer
// before it takes a silent member for dead; a link or a small segment
// keeps the defaults.
func TestHelloIntervalsScaleWithMembers(t *testing.T) {
	o := defaultOptions()
	members := func(n int) map[string]bool {
		m := map[string]bool{}
		for i := range n {
			m[string(rune('a'+i%26))+string(rune('0'+i/26))] = true
		}
		return m
	}
	for _, tc := range []struct {
		seg      *segment
		scale    time.Duration
		downAsUp bool // a big segment's hellos go no faster while a link is down
	}{
		{&segment{}, 1, false},
		{&segment{shared: true, members: members(4)}, 1, false},
		{&segment{shared: true, members: members(50)}, 6, false},
		{&segment{shared: true, members: members(51)}, 6, true},
		{&segment{shared: true, members: members(249)}, 31, true},
	} {
		up, down := tc.seg.helloIntervals(o)
		wantDown := o.helloDown * tc.scale
		if tc.downAsUp {
			wantDown = o.helloUp * tc.scale
		}
		if up != o.helloUp*tc.scale || down != wantDown {
			t.Errorf("%d members: hellos every %v (%v while down), want %v (%v)", len(tc.seg.members), up, down, o.helloUp*tc.scale, wantDown)
		}
		doubt, dead := livenessBounds(o, tc.seg)
		if dead < 3*up || doubt < up {
			t.Errorf("%d members: in doubt after %v, dead after %v, with hellos every %v", len(tc.seg.members), doubt, dead, up)
		}
	}
}

// A link coming up on a shared segment has the node put a hello on it at
// most once per down interval: a small segment's newcomers hear at once,
// a big one's wait for the members' own hellos.
func TestAnswerHelloAtMostOncePerDownInterval(t *testing.T) {
	o := defaultOptions()
	small := &segment{shared: true, members: map[string]bool{"a": true, "b": true}}
	if !small.mayAnswerHello(o) {
		t.Fatal("the first link up on a small segment puts no hello")
	}
	if small.mayAnswerHello(o) {
		t.Error("a second link up at once puts another hello")
	}
	time.Sleep(o.helloDown + 10*time.Millisecond)
	if !small.mayAnswerHello(o) {
		t.Error("a link up a down interval later puts no hello")
	}
}
