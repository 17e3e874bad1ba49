package node

import (
	"encoding/binary"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/frame"
)

// Proof of a segment's key (agent.Segment.Key, derived from the topology's
// secret, which only topo holds; a node that runs a user's own image gets
// neither). When a segment has a key, every frame leaves a node on it
// sealed (frame.Key): with the segment's next sequence number and an HMAC
// over the whole frame, so that a frame cannot be changed or re-addressed,
// nor moved to another segment: each is verified with the key of the
// segment it arrives on. A node refuses, counts (Counters.Refused) and
// logs, a line a second at most, what is heard without a valid seal, or
// from another address than its sender's planned one on the segment:
//
//   - A TCP connection's hellos make a challenge and its answer (see
//     handshake.go), so that a hello copied from an earlier connection
//     cannot take a link over; the first must come from the planned
//     address of the neighbour it names, on the segment it names it on.
//     A link that is up is taken over only by a connection that passed
//     all of that: the neighbour's agent started over. A frame on the
//     connection without a valid seal is skipped.
//   - A datagram must be addressed to this node's segment (its next hop is
//     this node or "*", or on a shared segment one of its members) and its
//     sequence number must be new: each node keeps, per sender and
//     segment, a window of the last replayWindowSeqs numbers heard, and
//     refuses one heard before or older than the window, so that a copied
//     datagram cannot be heard twice. It must come from the planned
//     address of its sender (the previous hop) on the segment.
//
// A segment's numbers start at the time the agent was made, in unix
// nanoseconds, so that a restarted node's numbers are newer than those of
// the agent before it (unless its clock went back meanwhile).

// Why a frame is refused, as the log says.
const (
	whyNoProof     = "no proof"
	whyWrongProof  = "wrong proof"
	whyReplayed    = "replayed or too old"
	whyElsewhere   = "addressed to another segment"
	whyNoChallenge = "hello does not answer the challenge"
	whyWrongAddr   = "not from its address on the segment"
)

// refusedError is a frame heard without a valid seal.
type refusedError struct {
	f   *frame.Frame
	why string
}

func (e *refusedError) Error() string { return "refused " + e.f.Type.String() + ": " + e.why }

// proof says why f, decoded from b and heard on s, is refused, or "" when
// it carries a valid seal of s's key or s has no key.
func (s *segment) proof(b []byte, f *frame.Frame) string {
	switch {
	case s.key == nil:
		return ""
	case !f.Sealed:
		return whyNoProof
	case !s.key.Verify(b):
		return whyWrongProof
	}
	return ""
}

// plannedFrom reports whether from is the planned address of node on s.
// Where the config named addresses instead (a swarm: wiring's ByName), the
// engine picks them and gives a restarted peer another one, so there is
// nothing to hold a peer to and every address passes; the segment's key
// is then the only proof. On a segment without a key nothing is checked,
// as nothing else is.
func (s *segment) plannedFrom(node string, from netip.Addr) bool {
	if s.key == nil || s.planned == nil {
		return true
	}
	want, ok := s.planned[node]
	return ok && want == from.Unmap()
}

// sealed reports whether any of the agent's segments has a key.
func (a *Agent) sealed() bool {
	for _, s := range a.segs {
		if s.key != nil {
			return true
		}
	}
	return false
}

// refuse counts and logs a frame heard from (an address or a neighbour)
// without a valid seal.
func (a *Agent) refuse(from string, f *frame.Frame, why string) {
	a.cnt.refused.Add(1)
	a.refusedLog.add(from, fmt.Sprintf("%s from %q: %s", f.Type, f.Sender(), why))
}

func (a *Agent) newRefusedLog() *refusalLog {
	return &refusalLog{emit: func(n int, from, detail string) {
		a.event(slog.LevelWarn, agent.EvDrop, fmt.Sprintf("refused: no valid proof (%d)", n), peerAttr(from),
			reasonAttr(agent.ReasonRefused), slog.String(agent.FieldError, detail), slog.Int("count", n))
	}}
}

// admitDatagram reports whether f, decoded from the datagram b heard on s
// from the address from, is to be handled; it counts and logs one that is
// refused.
func (a *Agent) admitDatagram(b []byte, f *frame.Frame, s *segment, from netip.AddrPort) bool {
	if s.key == nil {
		return true
	}
	if !f.Sealed && f.Type == frame.Hello && f.Source == dialProbeName && a.links[dialProbeName] == nil {
		return false // topo-node dial --udp: ignored, as without a secret
	}
	why := s.proof(b, f)
	switch {
	case why != "" || f.Sender() == a.name: // a broadcast of ours, looped back
	case !s.addressedHere(f):
		why = whyElsewhere
	case !s.plannedFrom(f.Sender(), from.Addr()):
		why = whyWrongAddr
	case !a.replay.admit(f.Sender(), s, f.Seq):
		why = whyReplayed
	}
	if why != "" {
		a.refuse(from.String(), f, why)
		return false
	}
	return true
}

// addressedHere reports whether f may have been sent on s: to this node, to
// all, or on a shared segment to one of its members.
func (s *segment) addressedHere(f *frame.Frame) bool {
	if f.NextHop == frame.Broadcast || f.NextHop == s.self || s.members[f.NextHop] {
		return true
	}
	return false
}

// sealDatagram returns b, a frame's encoding, sealed; b itself when the
// topology has no secret.
func (s *segment) sealDatagram(b []byte) []byte {
	if s.key == nil {
		return b
	}
	return s.key.AppendSealed(make([]byte, 0, len(b)+frame.TrailerLen), b, s.seq.Add(1))
}

// sealStream is sealDatagram for a frame with its length prefix.
func (s *segment) sealStream(b []byte) []byte {
	if s.key == nil || len(b) < 4 {
		return b
	}
	return s.appendSealedStream(make([]byte, 0, len(b)+frame.TrailerLen), b)
}

// appendSealedStream appends b, a frame with its length prefix, to dst
// as sealStream seals it, so that frames written together share one
// buffer.
func (s *segment) appendSealedStream(dst, b []byte) []byte {
	if s.key == nil || len(b) < 4 {
		return append(dst, b...)
	}
	start := len(dst)
	dst = s.key.AppendSealed(append(dst, 0, 0, 0, 0), b[4:], s.seq.Add(1))
	binary.BigEndian.PutUint32(dst[start:], uint32(len(dst)-start-4))
	return dst
}

// datagramRoom is the longest frame encoding a datagram on s carries.
func (s *segment) datagramRoom() int {
	if s.key != nil {
		return maxDatagram - frame.TrailerLen
	}
	return maxDatagram
}

// replayWindowWords is the size of a replay window in 64-bit words; it
// remembers the last replayWindowSeqs sequence numbers.
const (
	replayWindowWords = 32
	replayWindowSeqs  = (replayWindowWords - 1) * 64
)

// replayWindow remembers which of the sequence numbers of one sender on one
// segment have been heard, up to replayWindowSeqs below the newest.
type replayWindow struct {
	top  uint64
	bits [replayWindowWords]uint64
}

// admit records seq and reports whether it is new.
func (w *replayWindow) admit(seq uint64) bool {
	if seq > w.top {
		from, to := w.top>>6, seq>>6
		if to-from >= replayWindowWords {
			clear(w.bits[:])
		} else {
			for i := from + 1; i <= to; i++ {
				w.bits[i%replayWindowWords] = 0
			}
		}
		w.top = seq
	} else if w.top-seq >= replayWindowSeqs {
		return false
	}
	word, bit := (seq>>6)%replayWindowWords, uint64(1)<<(seq&63)
	if w.bits[word]&bit != 0 {
		return false
	}
	w.bits[word] |= bit
	return true
}

type replayKey struct {
	sender string
	seg    *segment
}

// replayFilter holds a window per sender and segment. Only frames sealed
// with the secret reach it, so its senders are the topology's own nodes.
type replayFilter struct {
	mu      sync.Mutex
	windows map[replayKey]*replayWindow
}

func (r *replayFilter) admit(sender string, s *segment, seq uint64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := replayKey{sender, s}
	w := r.windows[k]
	if w == nil {
		if r.windows == nil {
			r.windows = map[replayKey]*replayWindow{}
		}
		w = &replayWindow{}
		r.windows[k] = w
	}
	return w.admit(seq)
}
