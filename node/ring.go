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
// re-creates it under a new, larger generation (the frame's ID) when it has
// not come back in time, a time that counts the links' delays; a token of
// an older generation than the newest a node has seen is dropped there. A
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
	epoch   uint64    // the newest generation seen
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
	timeout := ringTimeout(len(a.routes)+1, a.o.tokenHold, a.cfg.Segments)
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
		var tok *frame.Frame
		select {
		case <-ctx.Done():
			return nil
		case f := <-r.tokens:
			tok = r.accept(f)
		case now := <-tick.C:
			r.expire(now)
			tok = r.create(now)
		}
		for tok != nil {
			tok = r.holdAndPass(ctx, tok)
		}
	}
}

// accept takes a token from the predecessor, or drops it (and returns nil)
// when its generation is older than the newest seen here: the leader has
// made a newer one since, so this one must not live on.
func (r *ring) accept(f *frame.Frame) *frame.Frame {
	if f.ID < r.epoch {
		r.a.event(slog.LevelInfo, agent.EvToken, "stale token dropped", idAttr(f.ID), peerAttr(f.Sender()),
			genAttr(f.ID), slog.Uint64("newest", r.epoch))
		return nil
	}
	r.epoch = f.ID
	if r.leader {
		r.measure(f)
	}
	r.a.event(r.tokenLevel(), agent.EvToken, "token from "+f.Sender(), peerAttr(f.Sender()), slog.Uint64("round", f.Ref), genAttr(f.ID))
	return f
}

// create makes a token, of a new generation, when this node leads, the
// token has not come back within the timeout (or was never made) and its
// links are up. It returns nil otherwise.
func (r *ring) create(now time.Time) *frame.Frame {
	if !r.leader || now.Sub(r.back) < r.timeout || !r.a.Ready() {
		return nil
	}
	lost := !r.back.IsZero()
	r.epoch = max(r.epoch+1, uint64(now.UnixNano()))
	r.back = now
	msg := "token created"
	if lost {
		msg = "token lost, re-created"
	}
	r.a.event(slog.LevelInfo, agent.EvToken, msg, idAttr(r.epoch), genAttr(r.epoch), slog.Duration("timeout", r.timeout))
	return &frame.Frame{Type: frame.Token, ID: r.epoch, Source: r.a.name}
}

func genAttr(g uint64) slog.Attr { return slog.Uint64("generation", g) }

// ringTimeout is how long the leader waits for the token to come back
// before it takes it for lost and makes a new one: four times what a round
// of n nodes takes without impairment (each holds it for hold, plus 50ms
// to pass it on), plus, per hop, the delay and jitter of both its
// directions and the time to send a token at the rate. A ring's links
// share one impairment, so the leader's own segments tell it; it takes the
// largest. It is at least 2s.
func ringTimeout(n int, hold time.Duration, segs []agent.Segment) time.Duration {
	const tokenBytes = 256 // a token frame with long names, generously
	var hop time.Duration
	for _, s := range segs {
		imp := s.Impairment
		d := imp.Delay.D() + imp.Jitter.D()
		if imp.Rate > 0 {
			d += time.Duration(tokenBytes * 8 * float64(time.Second) / float64(imp.Rate))
		}
		hop = max(hop, 2*d)
	}
	return max(2*time.Second, time.Duration(4*n)*(hold+50*time.Millisecond)+time.Duration(n)*hop)
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
// in meanwhile, and passes the token to the successor if its link is up;
// a token is never left to wait in a queue, where it would outlive a newer
// one. A token that arrives during the hold is dropped if it is not newer;
// if it is, the one held is dropped instead and the newer one returned,
// to be held and passed in its place. Either way only one goes on.
func (r *ring) holdAndPass(ctx context.Context, tok *frame.Frame) *frame.Frame {
	r.flush()
	t := time.NewTimer(r.hold)
	defer t.Stop()
	for held := true; held; {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			held = false
		case f := <-r.tokens:
			if f.ID <= tok.ID {
				r.a.event(slog.LevelInfo, agent.EvToken, "stale token dropped", idAttr(f.ID), peerAttr(f.Sender()),
					genAttr(f.ID), slog.Uint64("newest", tok.ID))
				continue
			}
			r.a.event(slog.LevelInfo, agent.EvToken, "token superseded by a newer generation", idAttr(tok.ID), genAttr(tok.ID),
				slog.Uint64("newest", f.ID))
			return r.accept(f)
		}
	}
	r.flush()
	next := &frame.Frame{Type: frame.Token, ID: tok.ID, Ref: tok.Ref, Sent: tok.Sent, Source: tok.Source,
		Destination: r.succ.name(), NextHop: r.succ.name(), Path: []string{r.a.name}}
	if r.leader {
		next.Ref = r.rounds
		next.Sent = time.Now().UnixNano()
	}
	if reason := r.succ.enqueueIfUp(next); reason != "" {
		r.a.event(slog.LevelWarn, agent.EvToken, "token not passed: "+reason, peerAttr(r.succ.name()), reasonAttr(reason), genAttr(tok.ID))
		return nil
	}
	r.a.event(r.tokenLevel(), agent.EvToken, "token to "+r.succ.name(), peerAttr(r.succ.name()), genAttr(tok.ID))
	return nil
}

func (r *ring) flush() {
	r.mu.Lock()
	out := r.takeLocked()
	r.mu.Unlock()
	for _, f := range out {
		r.a.transmit(f)
	}
}

// smallRing is the most nodes a ring may have for its token's every pass
// to be logged at info: enough to follow it by eye, not to drown the log.
const smallRing = 8

// tokenLevel is the level of the token's passes: info in a small ring,
// debug in a larger one.
func (r *ring) tokenLevel() slog.Level {
	if len(r.a.routes) < smallRing {
		return slog.LevelInfo
	}
	return slog.LevelDebug
}
