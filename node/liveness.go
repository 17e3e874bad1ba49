package node

import (
	"time"

	"github.com/topo-dev/topo/agent"
)

// Liveness of datagram links: a neighbour is heard from (any frame), says
// bye, falls into doubt, and is down.

// livenessBounds are how long a datagram link's neighbour may be silent
// before it is in doubt, and before its link is down. Its hellos leave an
// up interval apart, or up to a tick of its hello loop (the down interval)
// later, and arrive up to twice the segment's jitter apart from that; a
// margin of another tick, at least 100ms, allows for scheduling. So, by
// default, 700ms and 1.5s.
func livenessBounds(o options, seg *segment) (doubt, dead time.Duration) {
	var jitter time.Duration
	if seg.shaper != nil {
		jitter = seg.shaper.imp.Jitter.D()
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
func (s *segment) helloIntervals(o options) (up, down time.Duration) {
	scale := time.Duration(1)
	if s.shared {
		scale = time.Duration(max(1, len(s.members)/membersPerHello))
	}
	up, down = o.helloUp*scale, o.helloDown*scale
	if s.shared && len(s.members) > bigSegment {
		down = up
	}
	return up, down
}

// bigSegment is how many other members a shared segment may have before
// its members stop saying hello more often while a link is down.
const bigSegment = 50

// heardFrom records a frame from the neighbour on a datagram link. It
// reports whether the link just came up. After a bye only a hello brings
// the link back: a frame the neighbour sent before it is not a sign of
// life.
func (l *link) heardFrom(hello bool) bool {
	l.mu.Lock()
	if l.bye && !hello {
		l.mu.Unlock()
		return false
	}
	l.bye = false
	l.heard = time.Now()
	came := l.setUp(true, "")
	l.mu.Unlock()
	if came {
		l.poke()
	}
	return came
}

// sawBye takes the link down at once: the neighbour is stopping. A TCP
// link's connection is closed; the neighbour's next one brings it back,
// as a datagram link's next hello does.
func (l *link) sawBye() {
	l.mu.Lock()
	l.bye = l.kind != kindTCP
	l.setUp(false, "bye")
	c := l.conn
	l.conn = nil
	acks := l.acks
	l.acks = nil
	l.mu.Unlock()
	if c != nil {
		// The neighbour reads on for a while after its bye: let it hear
		// the acks of what it sent before, or it counts those frames lost;
		// after what is left of a frame cut short, and not while the write
		// loop writes (then they are lost).
		if l.wmu.TryLock() {
			if l.finishRest(c) {
				for _, b := range acks {
					if l.write(c, b) != nil {
						break
					}
				}
			}
			l.wmu.Unlock()
		}
		_ = c.Close()
	}
}

// confirm says whether a frame may leave on the link now: "" when it may,
// link_down when the link is down, and on a datagram link unconfirmed when
// the neighbour has been silent for longer than a live one is (the doubt
// interval), so that a frame for a neighbour that died is counted as
// dropped instead of vanishing. A TCP link's connection vouches for it.
func (l *link) confirm() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.fault.Cut != "":
		return l.fault.Cut
	case l.kind == kindTCP:
		return ""
	case !l.up:
		return l.downReason()
	case time.Since(l.heard) > l.doubt:
		return agent.ReasonUnconfirmed
	}
	return ""
}
