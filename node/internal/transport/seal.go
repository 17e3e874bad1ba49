package transport

import (
	"fmt"
	"log/slog"
	"net/netip"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/evlog"
	"github.com/topo-dev/topo/node/internal/frame"
)

// Why a frame is refused, as the log says.
const (
	whyReplayed    = "replayed or too old"
	whyElsewhere   = "addressed to another segment"
	whyNoChallenge = "hello does not answer the challenge"
	whyWrongAddr   = "not from its address on the segment"
	whyNotMember   = "from a node that is not a member of the segment"
)

// refusedError is a frame heard without a valid seal.
type refusedError struct {
	f   *frame.Frame
	why string
}

func (e *refusedError) Error() string { return "refused " + e.f.Type.String() + ": " + e.why }

// plannedFrom reports whether from is the planned address of node on s.
// Where the config named addresses instead (a swarm: wiring's ByName), the
// engine picks them and gives a restarted peer another one, so there is
// nothing to hold a peer to and every address passes; the segment's key
// is then the only proof. On a segment without a key nothing is checked,
// as nothing else is.
func (s *Segment) plannedFrom(node string, from netip.Addr) bool {
	planned := s.roster().planned
	if !s.sealer.Keyed() || planned == nil {
		return true
	}
	want, ok := planned[node]
	return ok && want == from.Unmap()
}

// sealed reports whether any of the agent's segments has a key.
func (a *Net) sealed() bool {
	for _, s := range a.view().segs {
		if s.sealer.Keyed() {
			return true
		}
	}
	return false
}

// refuse counts and logs a frame heard from (an address or a neighbour)
// without a valid seal.
func (a *Net) refuse(from string, f *frame.Frame, why string) {
	a.h.Refused()
	a.refusedLog.Add(from, fmt.Sprintf("%s from %q: %s", f.Type, f.Sender(), why))
}

func (a *Net) newRefusedLog() *evlog.Summary {
	return &evlog.Summary{Emit: func(n int, from, detail string) {
		a.event(slog.LevelWarn, agent.EvDrop, fmt.Sprintf("refused: no valid proof (%d)", n), evlog.Peer(from),
			evlog.Reason(agent.ReasonRefused), slog.String(agent.FieldError, detail), slog.Int("count", n))
	}}
}

// admitDatagram reports whether f, decoded from the datagram b heard on s
// from the address from, is to be handled; it counts and logs one that is
// refused.
func (a *Net) admitDatagram(b []byte, f *frame.Frame, s *Segment, from netip.AddrPort) bool {
	if !s.sealer.Keyed() {
		return true
	}
	if !f.Sealed && f.Type == frame.Hello && f.Source == frame.DialProbe && a.view().links[frame.DialProbe] == nil {
		return false // topo-node dial --udp: ignored, as without a secret
	}
	why := s.sealer.Proof(b, f)
	switch {
	case why != "" || f.Sender() == a.name: // a broadcast of ours, looped back
	case !s.addressedHere(f):
		why = whyElsewhere
	case !s.plannedFrom(f.Sender(), from.Addr()):
		why = whyWrongAddr
	case !a.replay.Admit(f.Sender(), s.name, f.Seq):
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
func (s *Segment) addressedHere(f *frame.Frame) bool {
	if f.NextHop == frame.Broadcast || f.NextHop == s.self || s.roster().members[f.NextHop] {
		return true
	}
	return false
}
