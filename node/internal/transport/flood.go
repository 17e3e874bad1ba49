package transport

import (
	"log/slog"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/evlog"
	"github.com/topo-dev/topo/node/internal/frame"
	"github.com/topo-dev/topo/node/internal/transport/link"
)

// PutFlood puts a copy of f, a broadcast, once on every shared segment
// with neighbours on it but in, the one it came from. It returns how many
// copies went out.
func (a *Net) PutFlood(f *frame.Frame, in *Segment) int {
	sent := 0
	for _, s := range a.view().segs {
		if !s.shared || s == in || len(s.roster().links) == 0 {
			continue
		}
		c := f.Clone()
		c.NextHop = frame.Broadcast
		if a.putFlood(s, c) {
			sent++
		}
	}
	return sent
}

// putFlood puts a broadcast copy on a shared segment, through its shaper
// when it has one. It reports whether the copy went out.
func (a *Net) putFlood(s *Segment, c *frame.Frame) bool {
	b, err := frame.Encode(c)
	if err == nil && s.shaper != nil {
		if r := link.Push(s.shaper, c, b, nil, true); r != "" {
			a.event(slog.LevelWarn, agent.EvDrop, "broadcast on "+s.name+" dropped: "+r, evlog.ID(c.ID), evlog.Reason(r))
			return false
		}
		return true
	}
	if err == nil {
		err = s.put(b)
	}
	if err != nil {
		a.event(slog.LevelWarn, agent.EvDrop, "broadcast on "+s.name+" failed", evlog.ID(c.ID), evlog.Err(err))
		return false
	}
	return true
}
