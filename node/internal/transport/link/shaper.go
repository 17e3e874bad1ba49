package link

import (
	"log/slog"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/evlog"
	"github.com/topo-dev/topo/node/internal/shaper"
)

// Shaped is a frame waiting in a shaper (package shaper): what a queue
// holds of it (no header for hellos: nothing to count when one fails) and
// the link it leaves on (nil: put on the shared segment).
type Shaped struct {
	held
	l *Link
}

// shaperOut is where a shaper of a segment (or of a link on it) sends:
// the Out of package shaper.
type shaperOut struct {
	a   *Env
	seg Segment
}

// newShaper is a shaper of imp for seg.
func newShaper(a *Env, seg Segment, imp agent.Impairment) *shaper.Shaper[Shaped] {
	return shaper.New[Shaped](imp, a.o.QueueSize, shaperOut{a, seg})
}

// push hands it to sh: a hello when it holds no header.
func push(sh *shaper.Shaper[Shaped], it Shaped, lossy bool) string {
	item := shaper.Item[Shaped]{V: it, Bytes: len(it.b), Hello: it.hdr == nil}
	if !item.Hello {
		item.Cost = it.cost()
	}
	return sh.Push(item, lossy)
}

func (s shaperOut) Admit(used, n int64) string { return s.a.admit(used, n) }
func (s shaperOut) Release(n int64)            { s.a.queued.give(n) }

func (s shaperOut) Stopped(it Shaped) {
	if it.l != nil {
		s.a.dropQueued(it.held, it.l, agent.ReasonStopped, nil)
	}
}

func (s shaperOut) hello(it Shaped) error {
	if it.l == nil {
		return s.seg.Put(it.b)
	}
	return it.l.writeNow(it.b)
}

// Send sends it, whose time has come.
func (s shaperOut) Send(it Shaped) {
	var err error
	switch {
	case it.hdr == nil:
		err = s.a.helloGate(func() error { return s.hello(it) })
	case it.l == nil:
		err = s.seg.Put(it.b)
	default:
		if r := it.l.confirm(); r != "" {
			s.a.dropQueued(it.held, it.l, r, nil)
			return
		}
		it.l.sending(it.held)
		if err = it.l.writeNow(it.b); err != nil {
			it.l.unsend(it.held)
		}
	}
	switch {
	case err == nil:
	case it.hdr == nil:
		s.a.event(slog.LevelDebug, agent.EvLink, "hello on "+s.seg.Name()+" failed", evlog.Err(err))
	case it.l == nil:
		s.a.event(slog.LevelWarn, agent.EvDrop, "broadcast on "+s.seg.Name()+" failed", evlog.ID(it.hdr.ID), evlog.Err(err))
	default:
		s.a.dropQueued(it.held, it.l, agent.ReasonLinkDown, err)
	}
}
