package node

import (
	"slices"
	"time"

	"github.com/topo-dev/topo/node/frame"
)

// Retries, so that every message ends exactly once. A datagram, or the
// ack of one, may be lost in the kernel (a socket buffer full under two
// opposite bursts) without the link going down. Counting such a frame as
// dropped (unacked) when only its ack was lost counted it twice: delivered
// further on, and dropped here. So on a datagram link a frame that is not
// acknowledged within retryAfter is sent again, the same bytes, up to
// maxTries times in all before it counts as unacked; and every node
// remembers, per link, the frames it has had for a while (seen), so that
// it acknowledges a copy again without handling it a second time.
//
// A copy is told from the frame coming back by a routing loop by its path:
// a frame sent again is the same bytes, one that loops has a longer path,
// and is handled as before (its TTL ends it).

const (
	// maxTries is how many times a datagram link sends a frame in all
	// before it counts as unacked.
	maxTries = 4
	// maxSeen bounds the frames a link remembers having had. Under a
	// flood the oldest go first; a copy of a frame forgotten would be
	// handled twice, so it holds far more than a link's ledger does
	// (maxInFlight), and what arrives in several retry intervals at the
	// fastest burst rates measured.
	maxSeen = 1 << 17
	// seenFor is how long a link remembers a frame: longer than a
	// neighbour goes on sending it (unackedAfter), and as long as an ack
	// may be sent again (reack).
	seenFor = reackWithin
	// maxReack bounds the acks sent again when a link comes back up.
	maxReack = 4096
)

// seenKey names a frame as the link it arrived on had it: its origin, ID
// and hops so far.
type seenKey struct {
	ackKey
	hops int
}

// seenFrame is a frame had, in the order they came.
type seenFrame struct {
	k  seenKey
	at time.Time
}

// retryAfter is how long a datagram link waits for an ack before it sends
// a frame again: the ack wait spread over maxTries. Call with l.mu held.
func (l *link) retryAfter() time.Duration {
	return max(ackTick, l.unackedAfter()/maxTries)
}

// remember notes that f arrived on l and reports whether it is the first
// time. Call with l.mu held.
func (l *link) remember(f *frame.Frame, now time.Time) bool {
	k := seenKey{ackKey{f.Source, f.ID}, len(f.Path)}
	if _, dup := l.seenSet[k]; dup {
		return false
	}
	stale := 0
	for stale < len(l.seen) && now.Sub(l.seen[stale].at) > seenFor {
		stale++
	}
	if len(l.seen)-stale >= maxSeen {
		stale = max(stale, len(l.seen)/4)
	}
	for _, s := range l.seen[:stale] {
		delete(l.seenSet, s.k)
	}
	l.seen = slices.Delete(l.seen, 0, stale)
	if l.seenSet == nil {
		l.seenSet = map[seenKey]struct{}{}
	}
	l.seenSet[k] = struct{}{}
	l.seen = append(l.seen, seenFrame{k, now})
	return true
}

// dueAgain takes from the ledger the frames of a datagram link whose ack
// is overdue and that may be sent again, and marks them sent once more.
// Call with l.mu held.
func (l *link) dueAgain(now time.Time) [][]byte {
	if l.kind == kindTCP {
		return nil // TCP delivers or the connection fails: the epoch says
	}
	every := l.retryAfter()
	var again [][]byte
	for k, fl := range l.inflight {
		if fl.h.b == nil || fl.tries >= maxTries || fl.epoch != l.epoch || now.Sub(fl.last) < every {
			continue
		}
		fl.tries++
		fl.last = now
		l.inflight[k] = fl
		again = append(again, fl.h.b)
	}
	return again
}

// sendAgain writes frames again, as they were, around the queue and the
// shaper: they were queued, shaped (delayed, or lost and counted so) once
// already.
func (l *link) sendAgain(again [][]byte) {
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
func (l *link) windowFull() bool {
	if l.kind == kindTCP {
		return false
	}
	l.mu.Lock()
	n, sh := len(l.inflight), l.shaperNow()
	l.mu.Unlock()
	if n >= sendWindow {
		return true
	}
	return sh != nil && n+sh.backlog() >= sendWindow
}

// windowOpened wakes the write loop of a datagram link whose queue waits
// for acks, once the ledger has room again.
func (l *link) windowOpened() {
	if l.kind == kindTCP {
		return
	}
	l.mu.Lock()
	waiting := len(l.q) > 0 && len(l.inflight) < sendWindow
	l.mu.Unlock()
	if waiting {
		l.poke()
	}
}
