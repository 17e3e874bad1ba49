package link

import (
	"time"

	"github.com/topo-dev/topo/agent"
)

// heardFrom records a frame from the neighbour on a datagram link. It
// reports whether the link just came up. After a bye only a hello brings
// the link back: a frame the neighbour sent before it is not a sign of
// life.
func (l *Link) heardFrom(hello bool) bool {
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
func (l *Link) sawBye() {
	l.mu.Lock()
	l.bye = l.kind != TCP
	l.setUp(false, "bye")
	c := l.conn
	l.conn = nil
	acks := l.acks
	l.acks = nil
	l.mu.Unlock()
	if c != nil {
		// The neighbour reads on for a while after its bye: let it hear
		// the acks of what it sent before, or it counts those frames
		// stopped that this node took; after what is left of a frame cut
		// short, and once the write loop's write is done (the neighbour
		// reads it), waiting half the neighbour's linger at most.
		if l.lockWrites(time.Now().Add(ByeGrace / 2)) {
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
func (l *Link) confirm() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.cutOut() != "":
		return l.cutOut()
	case l.kind == TCP, l.fault.Direction == agent.CutIn:
		return "" // one way in, nothing comes back to confirm it
	case !l.up:
		return l.downReason()
	case time.Since(l.heard) > l.doubt:
		return agent.ReasonUnconfirmed
	}
	return ""
}
