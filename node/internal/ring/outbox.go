package ring

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/evlog"
	"github.com/topo-dev/topo/node/internal/frame"
)

// waiting is a message in a ring node's outbox, since when it waits.
type waiting struct {
	f  *frame.Frame
	at time.Time
}

// Post queues an originated frame until this node holds the token.
func (r *Ring) Post(f *frame.Frame) string {
	r.mu.Lock()
	reason := ""
	switch {
	case r.stopped:
		reason = agent.ReasonStopped
	case len(r.outbox) >= r.qsize:
		reason = agent.ReasonQueueFull
	default:
		reason = r.a.Admit(r.obBytes, r.cost(f))
	}
	if reason == "" {
		r.outbox = append(r.outbox, waiting{f: f, at: time.Now()})
		r.obBytes += r.cost(f)
	}
	r.mu.Unlock()
	if reason != "" {
		return r.drop(f, reason)
	}
	return ""
}

// stop drops what still waits for the token, as a link drops its queue
// when the agent stops, so that every message originated is counted
// delivered or dropped; frames posted later are dropped too.
func (r *Ring) stop() {
	r.mu.Lock()
	out := r.takeLocked()
	r.stopped = true
	r.mu.Unlock()
	for _, f := range out {
		r.drop(f, agent.ReasonStopped)
	}
}

// expire drops the messages that have waited for the token longer than it
// can take to come while the ring is whole: link_down when a link of this
// node's to its ring neighbours is down, no_token when the break is
// further round the ring.
func (r *Ring) expire(now time.Time) {
	r.mu.Lock()
	var old []*frame.Frame
	keep := r.outbox[:0]
	for _, w := range r.outbox {
		if now.Sub(w.at) > r.h().wait {
			old = append(old, w.f)
			r.obBytes -= r.cost(w.f)
			r.a.Release(r.cost(w.f))
		} else {
			keep = append(keep, w)
		}
	}
	clear(r.outbox[len(keep):])
	r.outbox = keep
	r.mu.Unlock()
	if len(old) == 0 {
		return
	}
	reason := agent.ReasonNoToken
	if h := r.h(); !h.succ.IsUp() || h.pred != nil && !h.pred.IsUp() {
		reason = agent.ReasonLinkDown
	}
	r.event(slog.LevelWarn, agent.EvToken, fmt.Sprintf("no token for %v: %d waiting messages dropped", r.h().wait, len(old)),
		evlog.Reason(reason), slog.Int("count", len(old)))
	for _, f := range old {
		r.drop(f, reason)
	}
}

// Waiting is how many messages wait in the outbox.
func (r *Ring) Waiting() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.outbox)
}

// cost is what a frame waiting in the outbox counts against the byte
// bounds: it waits decoded, before routing, so its payload and overhead.
func (r *Ring) cost(f *frame.Frame) int64 { return int64(len(f.Payload)) + r.over }

// takeLocked empties the outbox and returns what it held. Call with r.mu
// held.
func (r *Ring) takeLocked() []*frame.Frame {
	out := make([]*frame.Frame, len(r.outbox))
	for i, w := range r.outbox {
		out[i] = w.f
	}
	r.outbox = nil
	r.a.Release(r.obBytes)
	r.obBytes = 0
	return out
}

// drop drops a frame from the outbox. A broadcast is only logged: the
// counters count broadcasts apart (as a link's queue does).
func (r *Ring) drop(f *frame.Frame, reason string) string {
	if f.Type == frame.Data && f.Destination == frame.Broadcast {
		r.event(slog.LevelWarn, agent.EvDrop, "broadcast dropped: "+reason, evlog.ID(f.ID), evlog.Reason(reason))
		return reason
	}
	return r.a.Drop(f, reason)
}
