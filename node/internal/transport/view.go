package transport

import (
	"fmt"
	"net/netip"

	"github.com/topo-dev/topo/agent"
)

// view is the agent's segments and links at one moment. Frames are routed
// and heard on whichever view is current, without a lock; Reconfigure
// makes a new one and swaps it in whole.
type view struct {
	segs  []*Segment
	links map[string]*Link // by neighbour name
	list  []*Link          // in config order
}

func (a *Net) view() *view { return a.v.Load() }

// roster is who is on a segment: the links to the neighbours on it and,
// on a shared segment, its other members, where put sends a frame, and the
// planned address of everyone there (nil where the config named addresses;
// see plannedFrom).
type roster struct {
	links   []*Link
	members map[string]bool
	dests   []netip.AddrPort
	planned map[string]netip.Addr
}

func (s *Segment) roster() *roster {
	if r := s.r.Load(); r != nil {
		return r
	}
	return &roster{} // a segment made bare, in a test
}

// newRoster is who is on the segment s of the config, links aside (which
// addLinks adds).
func newRoster(s agent.Segment, port int, bcast netip.Addr, named bool) (*roster, error) {
	r := &roster{}
	if !named {
		r.planned = map[string]netip.Addr{}
		for _, m := range s.Members {
			if ma, err := netip.ParseAddr(m.Addr); err == nil {
				r.planned[m.Name] = ma.Unmap()
			}
		}
	}
	if !s.Shared {
		return r, nil
	}
	r.members = map[string]bool{}
	for _, m := range s.Members {
		r.members[m.Name] = true
	}
	if bcast.IsValid() {
		r.dests = []netip.AddrPort{netip.AddrPortFrom(bcast, uint16(port))}
		return r, nil
	}
	for _, m := range s.Members {
		ma, err := netip.ParseAddr(m.Addr)
		if err != nil {
			return nil, fmt.Errorf("segment %q: member %q: %w", s.Name, m.Name, err)
		}
		mp := m.Port
		if mp == 0 {
			mp = agent.DefaultPort
		}
		r.dests = append(r.dests, netip.AddrPortFrom(ma, uint16(mp)))
	}
	return r, nil
}
