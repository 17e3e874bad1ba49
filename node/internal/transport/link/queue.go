package link

import (
	"slices"
	"sync/atomic"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/frame"
)

// heldOverhead is what a queued frame costs beyond its encoding: its
// header kept for accounting and the queue's bookkeeping. Counting it keeps
// a queue of tiny frames bounded too.
const heldOverhead = 128

// held is what a queue keeps of a frame: one form of it, the encoding that
// goes on the wire, and of the decoded frame only what accounting needs
// when the frame is dropped (its header, without payload).
type held struct {
	hdr  *frame.Frame // nil for hellos, which are never counted
	size int          // payload bytes, for the log
	b    []byte       // encoded as it goes on the wire
	at   time.Time    // when it was queued
}

// cost is what h counts against the byte bounds.
func (h held) cost() int64 { return int64(len(h.b)) + heldOverhead }

// hold keeps of f what a queue needs, with b its encoding.
func hold(f *frame.Frame, b []byte) held {
	return held{hdr: header(f), size: len(f.Payload), b: b, at: time.Now()}
}

// header is f without its payload (and a receipt's original path): what
// dropping it needs, so that a queue does not keep a second copy of the
// payload next to the encoding.
func header(f *frame.Frame) *frame.Frame {
	h := *f
	h.Payload, h.OrigPath = nil, nil
	h.Path = slices.Clone(f.Path)
	return &h
}

// budget bounds the bytes that all of an agent's queues hold together.
type budget struct {
	limit int64
	used  atomic.Int64
}

// take charges n bytes if they fit under the limit, and reports whether
// they did.
func (b *budget) take(n int64) bool {
	for {
		u := b.used.Load()
		if u+n > b.limit {
			return false
		}
		if b.used.CompareAndSwap(u, u+n) {
			return true
		}
	}
}

// force charges n bytes whether or not they fit: for a frame put back at
// the head of the queue it was just taken from.
func (b *budget) force(n int64) { b.used.Add(n) }

func (b *budget) give(n int64) { b.used.Add(-n) }

// admit charges n bytes to a queue that holds used of its own bound and to
// the agent's total. It returns queue_full when they do not fit, or "".
func (a *Env) admit(used, n int64) string {
	if used+n > a.o.QueueBytes || !a.queued.take(n) {
		return agent.ReasonQueueFull
	}
	return ""
}

// Admit charges n bytes of a queue of the agent's own (the ring's outbox)
// that holds used of its bound, against the bounds every queue shares. It
// returns queue_full when they do not fit, or "". Release gives them back.
func (a *Env) Admit(used, n int64) string { return a.admit(used, n) }

// Release gives back n bytes that Admit charged.
func (a *Env) Release(n int64) { a.queued.give(n) }

// HeldOverhead is what a queued frame costs beyond its bytes.
const HeldOverhead = heldOverhead
