// Package seal proves a segment's key on what crosses the segment.
//
// A segment may have a key (agent.Segment.Key, derived from the
// topology's secret, which only topo holds; a node that runs a user's own
// image gets neither). When a segment has a key, every frame leaves a node on it
// sealed (frame.Key): with the segment's next sequence number and an HMAC
// over the whole frame, so that a frame cannot be changed or re-addressed,
// nor moved to another segment: each is verified with the key of the
// segment it arrives on. A node refuses, counts (Counters.Refused) and
// logs, a line a second at most, what is heard without a valid seal, or
// from another address than its sender's planned one on the segment:
//
//   - A TCP connection's hellos make a challenge and its answer (see
//     package transport), so that a hello copied from an earlier connection
//     cannot take a link over; the first must come from the planned
//     address of the neighbour it names, on the segment it names it on.
//     A link that is up is taken over only by a connection that passed
//     all of that: the neighbour's agent started over. A frame on the
//     connection without a valid seal is skipped.
//   - A datagram must be addressed to this node's segment (its next hop is
//     this node or "*", or on a shared segment one of its members) and its
//     sequence number must be new: each node keeps, per sender and
//     segment, a window of the last WindowSeqs numbers heard, and
//     refuses one heard before or older than the window, so that a copied
//     datagram cannot be heard twice. It must come from the planned
//     address of its sender (the previous hop) on the segment.
//
// A segment's numbers start at the time the agent was made, in unix
// nanoseconds, so that a restarted node's numbers are newer than those of
// the agent before it (unless its clock went back meanwhile).
package seal

import (
	"encoding/binary"
	"sync"
	"sync/atomic"

	"github.com/topo-dev/topo/node/internal/frame"
)

// Why a frame is refused for its seal, as the log says.
const (
	WhyNoProof    = "no proof"
	WhyWrongProof = "wrong proof"
)

// Sealer seals what leaves a node on one segment with the segment's key,
// each with the segment's next sequence number, and checks what comes. A
// nil Sealer, or one without a key, seals and checks nothing.
type Sealer struct {
	key *frame.Key
	seq atomic.Uint64
}

// New is a Sealer with key (nil: none) whose numbers follow start.
func New(key *frame.Key, start uint64) *Sealer {
	s := &Sealer{key: key}
	s.seq.Store(start)
	return s
}

// Keyed reports whether s has a key.
func (s *Sealer) Keyed() bool { return s != nil && s.key != nil }

// Proof says why f, decoded from b, is refused, or "" when it carries a
// valid seal of the key or there is no key.
func (s *Sealer) Proof(b []byte, f *frame.Frame) string {
	switch {
	case !s.Keyed():
		return ""
	case !f.Sealed:
		return WhyNoProof
	case !s.key.Verify(b):
		return WhyWrongProof
	}
	return ""
}

// Datagram returns b, a frame's encoding, sealed; b itself without a key.
func (s *Sealer) Datagram(b []byte) []byte {
	if !s.Keyed() {
		return b
	}
	return s.key.AppendSealed(make([]byte, 0, len(b)+frame.TrailerLen), b, s.seq.Add(1))
}

// Stream is Datagram for a frame with its length prefix.
func (s *Sealer) Stream(b []byte) []byte {
	if !s.Keyed() || len(b) < 4 {
		return b
	}
	return s.AppendStream(make([]byte, 0, len(b)+frame.TrailerLen), b)
}

// AppendStream appends b, a frame with its length prefix, to dst as
// Stream seals it, so that frames written together share one buffer.
func (s *Sealer) AppendStream(dst, b []byte) []byte {
	if !s.Keyed() || len(b) < 4 {
		return append(dst, b...)
	}
	start := len(dst)
	dst = s.key.AppendSealed(append(dst, 0, 0, 0, 0), b[4:], s.seq.Add(1))
	binary.BigEndian.PutUint32(dst[start:], uint32(len(dst)-start-4))
	return dst
}

// Room is the longest frame encoding that fits in n bytes once sealed.
func (s *Sealer) Room(n int) int {
	if s.Keyed() {
		return n - frame.TrailerLen
	}
	return n
}

// windowWords is the size of a replay window in 64-bit words; it
// remembers the last WindowSeqs sequence numbers.
const (
	windowWords = 32
	WindowSeqs  = (windowWords - 1) * 64
)

// Window remembers which of the sequence numbers of one sender on one
// segment have been heard, up to WindowSeqs below the newest.
type Window struct {
	top  uint64
	bits [windowWords]uint64
}

// Admit records seq and reports whether it is new.
func (w *Window) Admit(seq uint64) bool {
	if seq > w.top {
		from, to := w.top>>6, seq>>6
		if to-from >= windowWords {
			clear(w.bits[:])
		} else {
			for i := from + 1; i <= to; i++ {
				w.bits[i%windowWords] = 0
			}
		}
		w.top = seq
	} else if w.top-seq >= WindowSeqs {
		return false
	}
	word, bit := (seq>>6)%windowWords, uint64(1)<<(seq&63)
	if w.bits[word]&bit != 0 {
		return false
	}
	w.bits[word] |= bit
	return true
}

type replayKey struct{ sender, segment string }

// Replay holds a Window per sender and segment. Only frames sealed with
// the secret reach it, so its senders are the topology's own nodes.
type Replay struct {
	mu      sync.Mutex
	windows map[replayKey]*Window
}

// Admit records seq from sender on segment and reports whether it is new.
func (r *Replay) Admit(sender, segment string, seq uint64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := replayKey{sender, segment}
	w := r.windows[k]
	if w == nil {
		if r.windows == nil {
			r.windows = map[replayKey]*Window{}
		}
		w = &Window{}
		r.windows[k] = w
	}
	return w.Admit(seq)
}
