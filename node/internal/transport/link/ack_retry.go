package link

import (
	"time"

	"github.com/topo-dev/topo/node/internal/ack"
)

// retryAfter is how long a datagram link waits for an ack before it sends
// a frame again: the ack wait spread over ack.MaxTries. Call with l.mu held.
func (l *Link) retryAfter() time.Duration {
	return max(ackTick, l.unackedAfter()/ack.MaxTries)
}

// dueAgain takes from the ledger the frames of a datagram link whose ack
// is overdue and that may be sent again, and marks them sent once more.
// Call with l.mu held.
func (l *Link) dueAgain(now time.Time) [][]byte {
	if l.kind == TCP {
		return nil // TCP delivers or the connection fails: the epoch says
	}
	var again [][]byte
	for _, h := range l.ledger.DueAgain(now, l.retryAfter(), func(h held) bool { return h.b != nil }) {
		again = append(again, h.b)
	}
	return again
}

// sendAgain writes frames again, as they were, around the queue and the
// shaper: they were queued, Shaped (delayed, or lost and counted so) once
// already.
func (l *Link) sendAgain(again [][]byte) {
	for _, b := range again {
		if l.write(nil, b) != nil {
			return // the ledger counts them, as it would have
		}
	}
}

// sendWindow bounds the frames a datagram link has sent and not yet had
// acknowledged (with those its shaper holds): past it, the link's queue
// waits for acks, a burst's frames wait for room in the queue
// (enqueueBurst), and a burst waits at its origin (waitRoom). Without it,
// two opposite bursts across a shared segment filled the neighbours'
// socket buffers: a third of the datagrams were lost in the kernel, and
// their acks with them. A window this size leaves a burst as fast as a
// neighbour a millisecond away acknowledges 128 frames, far more than
// the frames a second one agent forwards.
const sendWindow = 128

// windowFull reports whether a datagram link has a window's worth of
// frames on the way and must wait for acks before it sends more.
func (l *Link) windowFull() bool {
	if l.kind == TCP {
		return false
	}
	l.mu.Lock()
	n, sh := l.ledger.Len(), l.shaperNow()
	l.mu.Unlock()
	if n >= sendWindow {
		return true
	}
	return sh != nil && n+sh.Backlog() >= sendWindow
}

// windowOpened wakes the write loop of a datagram link whose queue waits
// for acks, once the ledger has room again.
func (l *Link) windowOpened() {
	if l.kind == TCP {
		return
	}
	l.mu.Lock()
	waiting := len(l.q) > 0 && l.ledger.Len() < sendWindow
	l.mu.Unlock()
	if waiting {
		l.poke()
	}
}
