package node

import (
	"log/slog"
	"slices"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/frame"
)

// dedup remembers broadcast ids recently seen, in two generations so that
// memory stays bounded without a sweep.
type dedup struct {
	cur, old map[dedupKey]struct{}
	rotated  time.Time
}

type dedupKey struct {
	src string
	id  uint64
}

const dedupGeneration = 4096

// firstSight records (src, id) and reports whether it is new. Call with a.mu held.
func (d *dedup) firstSight(src string, id uint64) bool {
	k := dedupKey{src, id}
	if _, ok := d.cur[k]; ok {
		return false
	}
	if _, ok := d.old[k]; ok {
		return false
	}
	if d.cur == nil || len(d.cur) >= dedupGeneration || time.Since(d.rotated) > time.Minute {
		d.old, d.cur, d.rotated = d.cur, make(map[dedupKey]struct{}), time.Now()
	}
	d.cur[k] = struct{}{}
	return true
}

func (a *Agent) sawFirst(f *frame.Frame) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.seen.firstSight(f.Source, f.ID)
}

// receiveFlood delivers a broadcast once and passes it on.
func (a *Agent) receiveFlood(f *frame.Frame, from *link, seg *segment) {
	if !a.sawFirst(f) {
		return
	}
	a.cnt.bcastDelivered.Add(1)
	got := f.Clone()
	got.Path = append(got.Path, a.name)
	a.event(slog.LevelInfo, agent.EvDeliver, "broadcast delivered from "+f.Source, peerAttr(f.Sender()), idAttr(f.ID),
		bytesAttr(len(f.Payload)), pathAttr(got.Path), slog.String("to", frame.Broadcast))
	a.notify(got)
	if a.flood(f, from, seg) > 0 {
		a.cnt.forwarded.Add(1)
	}
}

// flood sends f to every neighbour except the one it came from: once per
// shared segment, once per other link; in a ring only to the successor.
// It returns how many copies went out.
func (a *Agent) flood(f *frame.Frame, from *link, in *segment) int {
	if f.TTL <= 1 {
		return 0
	}
	f.TTL--
	f.Path = append(f.Path, a.name)
	sent := 0
	out := a.linkList
	if a.ring != nil {
		out = []*link{a.ring.succ}
	}
	for _, l := range out {
		if l == from || l.name() == f.Source || (l.kind == kindShared && a.ring == nil) {
			continue
		}
		// The queue keeps only the encoding, so the copy may share the
		// payload.
		c := *f
		c.Path = slices.Clone(f.Path)
		c.NextHop = l.name()
		if r := l.enqueue(&c); r != "" {
			a.dropQueued(held{hdr: &c, size: len(c.Payload)}, l, r, nil)
			continue
		}
		sent++
	}
	if a.ring != nil {
		return sent
	}
	for _, s := range a.segs {
		if !s.shared || s == in || len(s.links) == 0 {
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
func (a *Agent) putFlood(s *segment, c *frame.Frame) bool {
	b, err := frame.Encode(c)
	if err == nil && s.shaper != nil {
		if r := s.shaper.push(shaped{held: hold(c, b)}, true); r != "" {
			a.event(slog.LevelWarn, agent.EvDrop, "broadcast on "+s.name+" dropped: "+r, idAttr(c.ID), reasonAttr(r))
			return false
		}
		return true
	}
	if err == nil {
		err = s.put(b)
	}
	if err != nil {
		a.event(slog.LevelWarn, agent.EvDrop, "broadcast on "+s.name+" failed", idAttr(c.ID), errAttr(err))
		return false
	}
	return true
}
