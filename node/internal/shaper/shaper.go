// Package shaper applies an Impairment (delay, jitter, loss, rate) to
// what a node sends, itself, on egress, without netem or privileges:
// everything a node sends on an impaired segment goes through one shaper
// goroutine with a bounded queue, which loses frames at random (hellos
// excepted), paces them to the rate and releases each after the delay plus
// or minus the jitter, never ahead of the frame before it. A data message
// lost this way is dropped with reason loss, and its origin gets a
// negative receipt if it asked for one and the receipt is not lost too.
// Unimpaired segments have no shaper. The TCP handshake is not delayed.
package shaper

import (
	"context"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/topo-dev/topo/agent"
)

// Item is what waits in a Shaper: a frame or a hello, and what pacing and
// the bounds need of it.
type Item[T any] struct {
	V     T
	Bytes int   // its length on the wire, for the rate
	Cost  int64 // what it counts against the byte bounds
	// Hello is set for a hello: delayed, but neither lost, paced,
	// bounded nor kept behind frames, so that a busy slow link is not
	// taken for a dead one.
	Hello bool
	due   time.Time
}

// Out is where a Shaper's items go, and what bounds them besides its own
// queue: the byte bounds all of an agent's queues share.
type Out[T any] interface {
	// Admit charges n bytes to a queue that holds used of its own
	// bound; it returns queue_full when they do not fit, or "".
	Admit(used, n int64) string
	// Release gives back n bytes that Admit charged.
	Release(n int64)
	// Send sends v, whose time has come.
	Send(v T)
	// Stopped drops v, a frame (not a hello) left waiting when the shaper
	// stopped.
	Stopped(v T)
}

// Shaper applies an Impairment to everything pushed to it. Senders push
// encoded frames; Push decides loss and gives each frame the time it may
// leave, and Run writes them in order when that time comes.
type Shaper[T any] struct {
	out  Out[T]
	max  int // bound of q
	wake chan struct{}

	mu     sync.Mutex
	imp    agent.Impairment
	q      []Item[T] // in release order
	qBytes int64     // what the frames in q cost against the byte bounds
	free   time.Time // when the link has finished sending what is in q
	last   time.Time // release time of the newest frame in q
	closed bool
}

// New is a Shaper of imp that holds at most max frames and sends to out.
func New[T any](imp agent.Impairment, max int, out Out[T]) *Shaper[T] {
	return &Shaper[T]{out: out, imp: imp, max: max, wake: make(chan struct{}, 1)}
}

// Push queues it to leave when the impairment says. A lossy frame may be
// lost instead. It returns a drop reason (loss, queue_full, stopped) or "".
// Frames count against the byte bounds; hellos, which are small, few and
// must not be lost, do not.
func (s *Shaper[T]) Push(it Item[T], lossy bool) string {
	s.mu.Lock()
	if lossy && s.imp.Loss > 0 && rand.Float64() < s.imp.Loss {
		s.mu.Unlock()
		return agent.ReasonLoss
	}
	reason := ""
	switch {
	case s.closed:
		reason = agent.ReasonStopped
	case it.Hello:
	case len(s.q) >= s.max:
		reason = agent.ReasonQueueFull
	default:
		reason = s.out.Admit(s.qBytes, it.Cost)
	}
	if reason != "" {
		s.mu.Unlock()
		return reason
	}
	if !it.Hello {
		s.qBytes += it.Cost
		it.due = s.schedule(time.Now(), it.Bytes)
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

// Backlog is how many frames wait in the shaper.
func (s *Shaper[T]) Backlog() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.q)
}

// schedule returns when a frame of n bytes handed over at now leaves: it
// starts once the frames before it are sent, takes n*8/Rate to send, then
// Delay ± Jitter to arrive, and never arrives before the frame ahead of
// it. Call with s.mu held.
func (s *Shaper[T]) schedule(now time.Time, n int) time.Time {
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

// Impairment is what the shaper applies now.
func (s *Shaper[T]) Impairment() agent.Impairment {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.imp
}

// SetImpairment changes what the shaper applies to the frames pushed from
// now on; those already waiting keep their times.
func (s *Shaper[T]) SetImpairment(imp agent.Impairment) {
	s.mu.Lock()
	s.imp = imp
	s.mu.Unlock()
}

// delay is one frame's delay: Delay ± Jitter, never below zero. Call with
// s.mu held.
func (s *Shaper[T]) delay() time.Duration {
	d := s.imp.Delay.D()
	if j := s.imp.Jitter.D(); j > 0 {
		d += rand.N(2*j+1) - j
	}
	return max(d, 0)
}

// Run sends each frame when its time comes, until ctx is done; then it
// drops what is left as stopped. A push that puts a frame at the head (a
// hello, which is not paced) wakes it to look again.
func (s *Shaper[T]) Run(ctx context.Context) error {
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
			s.q[0] = Item[T]{}
			s.q = s.q[1:]
			s.releaseLocked(head)
			s.mu.Unlock()
			s.out.Send(head.V)
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

// releaseLocked gives back what it cost. Call with s.mu held.
func (s *Shaper[T]) releaseLocked(it Item[T]) {
	if !it.Hello {
		s.qBytes -= it.Cost
		s.out.Release(it.Cost)
	}
}

// stop refuses further frames and drops those still waiting.
func (s *Shaper[T]) stop() {
	s.mu.Lock()
	s.closed = true
	left := s.q
	s.q = nil
	for _, it := range left {
		s.releaseLocked(it)
	}
	s.mu.Unlock()
	for _, it := range left {
		if !it.Hello {
			s.out.Stopped(it.V)
		}
	}
}
