package node

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/frame"
)

// ring is a node's part in the token ring. One goroutine owns the token:
// it takes it from the predecessor, sends this node's outbox while holding
// it, and passes it on to the successor. The leader creates the token and
// re-creates it under a new, larger epoch when it has not come back in
// time; a token of an older epoch is dropped wherever it turns up.
type ring struct {
	a       *Agent
	succ    *link
	leader  bool
	hold    time.Duration
	timeout time.Duration
	tokens  chan *frame.Frame

	mu      sync.Mutex
	outbox  []*frame.Frame
	obBytes int64 // what the outbox costs against the byte bounds
	stopped bool  // run has returned: nothing will send the outbox

	// Owned by run.
	epoch   uint64
	back    time.Time // leader: when the token last came back (or was made)
	rounds  uint64
	logged  time.Time
	minRTT  time.Duration
	maxRTT  time.Duration
	sumRTT  time.Duration
	sampled uint64
}

// ringRTTLogEvery keeps the leader's ring_rtt lines to one every so often.
const ringRTTLogEvery = 5 * time.Second

func newRing(a *Agent, succ *link) *ring {
	n := len(a.routes) + 1
	return &ring{
		a: a, succ: succ, leader: a.cfg.Ring.Leader, hold: a.o.tokenHold,
		timeout: max(2*time.Second, time.Duration(4*n)*(a.o.tokenHold+50*time.Millisecond)),
		tokens:  make(chan *frame.Frame, 8),
	}
}

// post queues an originated frame until this node holds the token.
func (r *ring) post(f *frame.Frame) string {
	r.mu.Lock()
	reason := ""
	switch {
	case r.stopped:
		reason = agent.ReasonStopped
	case len(r.outbox) >= r.a.o.queueSize:
		reason = agent.ReasonQueueFull
	default:
		reason = r.a.admit(r.obBytes, outboxCost(f))
	}
	if reason == "" {
		r.outbox = append(r.outbox, f)
		r.obBytes += outboxCost(f)
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
func (r *ring) stop() {
	r.mu.Lock()
	out := r.takeLocked()
	r.stopped = true
	r.mu.Unlock()
	for _, f := range out {
		r.drop(f, agent.ReasonStopped)
	}
}

// outboxCost is what a frame waiting in the outbox counts against the byte
// bounds: it waits decoded, before routing, so its payload and overhead.
func outboxCost(f *frame.Frame) int64 { return int64(len(f.Payload)) + heldOverhead }

// takeLocked empties the outbox and returns what it held. Call with r.mu
// held.
func (r *ring) takeLocked() []*frame.Frame {
	out := r.outbox
	r.outbox = nil
	r.a.queued.give(r.obBytes)
	r.obBytes = 0
	return out
}

// drop drops a frame from the outbox. A broadcast is only logged: the
// counters count broadcasts apart (as a link's queue does).
func (r *ring) drop(f *frame.Frame, reason string) string {
	if f.Type == frame.Data && f.Destination == frame.Broadcast {
		r.a.event(slog.LevelWarn, agent.EvDrop, "broadcast dropped: "+reason, idAttr(f.ID), reasonAttr(reason))
		return reason
	}
	return r.a.drop(f, reason, nil)
}

func (r *ring) receive(f *frame.Frame) {
	select {
	case r.tokens <- f:
	default:
		r.a.event(slog.LevelWarn, agent.EvToken, "token dropped: too many tokens", idAttr(f.ID))
	}
}

func (r *ring) run(ctx context.Context) error {
	defer r.stop()
	tick := time.NewTicker(min(r.timeout/4, 250*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case f := <-r.tokens:
			if f.ID < r.epoch {
				r.a.event(slog.LevelDebug, agent.EvToken, "stale token dropped", idAttr(f.ID), peerAttr(f.Sender()))
				continue
			}
			r.epoch = f.ID
			if r.leader {
				r.measure(f)
			}
			r.a.event(slog.LevelDebug, agent.EvToken, "token from "+f.Sender(), peerAttr(f.Sender()), slog.Uint64("round", f.Ref))
			r.holdAndPass(ctx, f)
		case now := <-tick.C:
			if !r.leader || now.Sub(r.back) < r.timeout || !r.a.Ready() {
				continue
			}
			lost := !r.back.IsZero()
			r.epoch = max(r.epoch+1, uint64(now.UnixNano()))
			r.back = now
			msg := "token created"
			if lost {
				msg = "token lost, re-created"
			}
			r.a.event(slog.LevelInfo, agent.EvToken, msg, idAttr(r.epoch))
			r.holdAndPass(ctx, &frame.Frame{Type: frame.Token, ID: r.epoch, Source: r.a.name})
		}
	}
}

func (r *ring) measure(f *frame.Frame) {
	now := time.Now()
	r.back = now
	r.rounds++
	if f.Sent == 0 {
		return
	}
	rtt := now.Sub(time.Unix(0, f.Sent))
	if r.sampled == 0 || rtt < r.minRTT {
		r.minRTT = rtt
	}
	r.maxRTT = max(r.maxRTT, rtt)
	r.sumRTT += rtt
	r.sampled++
	if now.Sub(r.logged) < ringRTTLogEvery {
		return
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	r.a.event(slog.LevelInfo, agent.EvRingRTT, "token round trip", slog.Float64("rtt_ms", ms(rtt)),
		slog.Float64("min_ms", ms(r.minRTT)), slog.Float64("avg_ms", ms(r.sumRTT/time.Duration(r.sampled))),
		slog.Float64("max_ms", ms(r.maxRTT)), slog.Uint64("rounds", r.rounds))
	r.logged, r.minRTT, r.maxRTT, r.sumRTT, r.sampled = now, 0, 0, 0, 0
}

// holdAndPass sends the outbox, holds the token a moment, sends what came
// in meanwhile, and passes the token to the successor.
func (r *ring) holdAndPass(ctx context.Context, tok *frame.Frame) {
	r.flush()
	t := time.NewTimer(r.hold)
	select {
	case <-ctx.Done():
		t.Stop()
		return
	case <-t.C:
	}
	r.flush()
	next := &frame.Frame{Type: frame.Token, ID: tok.ID, Ref: tok.Ref, Sent: tok.Sent, Source: tok.Source,
		Destination: r.succ.name(), NextHop: r.succ.name(), Path: []string{r.a.name}}
	if r.leader {
		next.Ref = r.rounds
		next.Sent = time.Now().UnixNano()
	}
	if reason := r.succ.enqueue(next); reason != "" {
		r.a.event(slog.LevelWarn, agent.EvToken, "token not passed: "+reason, peerAttr(r.succ.name()), reasonAttr(reason))
		return
	}
	r.a.event(slog.LevelDebug, agent.EvToken, "token to "+r.succ.name(), peerAttr(r.succ.name()))
}

func (r *ring) flush() {
	r.mu.Lock()
	out := r.takeLocked()
	r.mu.Unlock()
	for _, f := range out {
		r.a.transmit(f)
	}
}
