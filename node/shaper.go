package node

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/topo-dev/topo/agent"
)

// shaper applies a segment's Impairment to everything this node sends on
// the segment. Senders push encoded frames; push decides loss and gives
// each frame the time it may leave, and one goroutine per impaired segment
// writes them in order when that time comes. Hellos are delayed but not
// paced to the rate nor kept behind frames, so that a busy slow link is
// not taken for a dead one. Segments without an impairment have no shaper
// and write directly.
type shaper struct {
	a    *Agent
	seg  *segment
	imp  agent.Impairment
	max  int // bound of q
	wake chan struct{}

	mu     sync.Mutex
	q      []shaped  // in release order
	qBytes int64     // what the frames in q cost against the byte bounds
	free   time.Time // when the link has finished sending what is in q
	last   time.Time // release time of the newest frame in q
	closed bool
}

// shaped is a frame waiting in a shaper: what a queue holds of it (no
// header for hellos: nothing to count when one fails), the link it leaves
// on (nil: put on the shared segment) and when it leaves.
type shaped struct {
	held
	l   *link
	due time.Time
}

func newShaper(a *Agent, seg *segment, imp agent.Impairment) *shaper {
	return &shaper{a: a, seg: seg, imp: imp, max: a.o.queueSize, wake: make(chan struct{}, 1)}
}

// push queues it to leave when the impairment says. A lossy frame may be
// lost instead. It returns a drop reason (loss, queue_full, stopped) or "".
// Frames count against the byte bounds; hellos, which are small, few and
// must not be lost, do not.
func (s *shaper) push(it shaped, lossy bool) string {
	s.mu.Lock()
	if lossy && s.imp.Loss > 0 && rand.Float64() < s.imp.Loss {
		s.mu.Unlock()
		return agent.ReasonLoss
	}
	reason := ""
	switch {
	case s.closed:
		reason = agent.ReasonStopped
	case it.hdr == nil:
	case len(s.q) >= s.max:
		reason = agent.ReasonQueueFull
	default:
		reason = s.a.admit(s.qBytes, it.cost())
	}
	if reason != "" {
		s.mu.Unlock()
		return reason
	}
	if it.hdr != nil {
		s.qBytes += it.cost()
		it.due = s.schedule(time.Now(), len(it.b))
	} else {
		it.due = time.Now().Add(s.delay())
	}
	// In release order; a frame after those due at the same time.
	i := sort.Search(len(s.q), func(i int) bool { return s.q[i].due.After(it.due) })
	s.q = slices.Insert(s.q, i, it)
	s.mu.Unlock()
	if i == 0 {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return ""
}

// backlog is how many frames wait in the shaper.
func (s *shaper) backlog() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.q)
}

// schedule returns when a frame of n bytes handed over at now leaves: it
// starts once the frames before it are sent, takes n*8/Rate to send, then
// Delay ± Jitter to arrive, and never arrives before the frame ahead of
// it. Call with s.mu held.
func (s *shaper) schedule(now time.Time, n int) time.Time {
	start := now
	if s.free.After(start) {
		start = s.free
	}
	if s.imp.Rate > 0 {
		start = start.Add(time.Duration(float64(n) * 8 / float64(s.imp.Rate) * float64(time.Second)))
	}
	s.free = start
	at := start.Add(s.delay())
	if at.Before(s.last) {
		at = s.last
	}
	s.last = at
	return at
}

// impairment is what the shaper applies now.
func (s *shaper) impairment() agent.Impairment {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.imp
}

// setImpairment changes what the shaper applies to the frames pushed from
// now on; those already waiting keep their times.
func (s *shaper) setImpairment(imp agent.Impairment) {
	s.mu.Lock()
	s.imp = imp
	s.mu.Unlock()
}

// delay is one frame's delay: Delay ± Jitter, never below zero. Call with
// s.mu held.
func (s *shaper) delay() time.Duration {
	d := s.imp.Delay.D()
	if j := s.imp.Jitter.D(); j > 0 {
		d += rand.N(2*j+1) - j
	}
	return max(d, 0)
}

// run writes each frame when its time comes, until ctx is done; then it
// drops what is left as stopped. A push that puts a frame at the head (a
// hello, which is not paced) wakes it to look again.
func (s *shaper) run(ctx context.Context) error {
	t := time.NewTimer(time.Hour)
	t.Stop()
	for {
		s.mu.Lock()
		wait := time.Duration(-1) // nothing queued
		if len(s.q) > 0 {
			wait = time.Until(s.q[0].due)
		}
		if len(s.q) > 0 && wait <= 0 {
			head := s.q[0]
			s.q[0] = shaped{}
			s.q = s.q[1:]
			s.releaseLocked(head)
			s.mu.Unlock()
			s.send(head)
			continue
		}
		s.mu.Unlock()
		var due <-chan time.Time
		if wait > 0 {
			t.Reset(wait)
			due = t.C
		}
		select {
		case <-ctx.Done():
			t.Stop()
			s.stop()
			return nil
		case <-s.wake:
			t.Stop()
		case <-due:
		}
	}
}

func (s *shaper) hello(it shaped) error {
	if it.l == nil {
		return s.seg.put(it.b)
	}
	return it.l.writeNow(it.b)
}

// releaseLocked gives back what it cost. Call with s.mu held.
func (s *shaper) releaseLocked(it shaped) {
	if it.hdr != nil {
		s.qBytes -= it.cost()
		s.a.queued.give(it.cost())
	}
}

func (s *shaper) send(it shaped) {
	var err error
	switch {
	case it.hdr == nil:
		err = s.a.helloGate(func() error { return s.hello(it) })
	case it.l == nil:
		err = s.seg.put(it.b)
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
		s.a.event(slog.LevelDebug, agent.EvLink, "hello on "+s.seg.name+" failed", errAttr(err))
	case it.l == nil:
		s.a.event(slog.LevelWarn, agent.EvDrop, "broadcast on "+s.seg.name+" failed", idAttr(it.hdr.ID), errAttr(err))
	default:
		s.a.dropQueued(it.held, it.l, agent.ReasonLinkDown, err)
	}
}

// stop refuses further frames and drops those still waiting.
func (s *shaper) stop() {
	s.mu.Lock()
	s.closed = true
	left := s.q
	s.q = nil
	for _, it := range left {
		s.releaseLocked(it)
	}
	s.mu.Unlock()
	for _, it := range left {
		if it.hdr != nil && it.l != nil {
			s.a.dropQueued(it.held, it.l, agent.ReasonStopped, nil)
		}
	}
}
