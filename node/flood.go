package node

import (
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/evlog"
	"github.com/topo-dev/topo/node/internal/frame"
	"github.com/topo-dev/topo/node/internal/transport"
)

// dedup remembers broadcast ids recently seen, in two generations so that
// memory stays bounded without a sweep.
type dedup struct {
	mu       sync.Mutex
	cur, old map[dedupKey]struct{}
	rotated  time.Time
}

type dedupKey struct {
	src string
	id  uint64
}

const dedupGeneration = 4096

// firstSight records (src, id) and reports whether it is new.
func (d *dedup) firstSight(src string, id uint64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
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

// receiveFlood delivers a broadcast once and passes it on.
func (a *Agent) receiveFlood(f *frame.Frame, from *transport.Link, seg *transport.Segment) {
	if !a.seen.firstSight(f.Source, f.ID) {
		return
	}
	a.cnt.bcastDelivered.Add(1)
	got := f.Clone()
	got.Path = append(got.Path, a.name)
	a.event(slog.LevelInfo, agent.EvDeliver, "broadcast delivered from "+f.Source, evlog.Peer(f.Sender()), evlog.ID(f.ID),
		evlog.Bytes(len(f.Payload)), evlog.Path(got.Path), slog.String("to", frame.Broadcast))
	notify(a.o.onDeliver, got)
	if a.flood(f, from, seg) > 0 {
		a.cnt.forwarded.Add(1)
	}
}

// flood sends f to every neighbour except the one it came from: once per
// shared segment, once per other link; in a ring only to the successor.
// It returns how many copies went out.
func (a *Agent) flood(f *frame.Frame, from *transport.Link, in *transport.Segment) int {
	if f.TTL <= 1 {
		return 0
	}
	f.TTL--
	f.Path = append(f.Path, a.name)
	sent := 0
	out := a.net.Links()
	if a.ring != nil { // the successor in force: a reconfigured ring has another
		out = nil
		if l := a.net.Link(a.cur.Load().Ring.Successor); l != nil {
			out = []*transport.Link{l}
		}
	}
	for _, l := range out {
		if l == from || l.Name() == f.Source || (l.Shared() && a.ring == nil) {
			continue
		}
		// The queue keeps only the encoding, so the copy may share the
		// payload.
		c := *f
		c.Path = slices.Clone(f.Path)
		c.NextHop = l.Name()
		if r := l.Enqueue(&c); r != "" {
			host{a}.DropQueued(&c, len(c.Payload), l, r, nil)
			continue
		}
		sent++
	}
	if a.ring != nil {
		return sent
	}
	return sent + a.net.PutFlood(f, in)
}
