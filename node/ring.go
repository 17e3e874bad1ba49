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
// time; a token of an older epoch is dropped wherever it turns up. A
// message that waits in the outbox for longer than the token can take to
// come (twice the leader's timeout) is dropped: the ring is broken.
type ring struct {
	a       *Agent
	succ    *link
	pred    *link // nil when the predecessor is not a neighbour
	leader  bool
	hold    time.Duration
	timeout time.Duration
	wait    time.Duration // the longest a message waits in the outbox
	tokens  chan *frame.Frame

	mu      sync.Mutex
	outbox  []waiting
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
	timeout := max(2*time.Second, time.Duration(4*n)*(a.o.tokenHold+50*time.Millisecond))
	return &ring{
		a: a, succ: succ, pred: a.links[a.cfg.Ring.Predecessor], leader: a.cfg.Ring.Leader, hold: a.o.tokenHold,
		timeout: timeout, wait: 2 * timeout,
		tokens: make(chan *frame.Frame, 8),
	}
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
			r.expire(now)
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
