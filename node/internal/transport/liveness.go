package transport

import (
	"time"
)

// Liveness of datagram links: a neighbour is heard from (any frame), says
// bye, falls into doubt, and is down.

// livenessBounds are how long a datagram link's neighbour may be silent
// before it is in doubt, and before its link is down. Its hellos leave an
// up interval apart, or up to a tick of its hello loop (the down interval)
// later, and arrive up to twice the segment's jitter apart from that; a
// margin of another tick, at least 100ms, allows for scheduling. So, by
// default, 700ms and 1.5s.
func livenessBounds(o Options, seg *Segment) (doubt, dead time.Duration) {
	var jitter time.Duration
	if seg.shaper != nil {
		jitter = seg.shaper.Impairment().Jitter.D()
	}
	up, down := seg.helloIntervals(o)
	doubt = up + down + max(down, 100*time.Millisecond) + 2*jitter
	dead = max(3*up+2*jitter, doubt)
	return doubt, dead
}

// membersPerHello is how many members a shared segment may have before its
// hellos go less often: every member hears every member's hellos, so their
// number grows with the square of the members, and a bus of 250 saying
// hello every 100ms while it comes up would take the machine.
const membersPerHello = 8

// helloIntervals are how often a node says hello on a segment while its
// links there are up, and while one is down: on a shared segment, the
// defaults times one for every membersPerHello members.
//
// On a segment of more than bigSegment members they say hello no more
// often while a link is down than while all are up: while a bus of 250
// comes up, some member is always down, and every member hearing every
// member's hello each 3 s was more than two cores could serve. A member
// says hello as it starts, so the others know it at once; it knows each
// of them by their next hello, within the up interval.
func (s *Segment) helloIntervals(o Options) (up, down time.Duration) {
	scale := time.Duration(1)
	if s.shared {
		scale = time.Duration(max(1, len(s.roster().members)/membersPerHello))
	}
	up, down = o.HelloUp*scale, o.HelloDown*scale
	if s.shared && len(s.roster().members) > bigSegment {
		down = up
	}
	return up, down
}

// bigSegment is how many other members a shared segment may have before
// its members stop saying hello more often while a link is down.
const bigSegment = 50
