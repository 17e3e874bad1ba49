// Package ring is a node's part in the token ring: in a ring a node sends
// its own messages only while it holds the token; the leader makes the
// token and logs its round trip (ring_rtt). When the token has not come
// back within its timeout (four unimpaired rounds, plus per hop the delay
// and jitter of both directions of the leader's links, at least 2s) the
// leader makes a new one of a newer generation (the token's ID). There is
// one token at a time: a node drops a token of an older generation than
// the newest it has seen, one that holds a token and is handed a newer one
// passes only the newer, and a token is never left waiting in the queue
// of a link that is down (it is dropped there, and the leader makes
// another once the ring is whole). Meanwhile messages wait in the node's
// outbox, whose length stats shows (outbox). A message that has waited
// there for twice the leader's token timeout cannot be sent while the
// ring is broken, and is dropped: link_down when this node's own link to a
// ring neighbour is down, no_token when the break is further round.
package ring

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/evlog"
	"github.com/topo-dev/topo/node/internal/frame"
)

// Ring is a node's part in the token ring. One goroutine owns the token:
// it takes it from the predecessor, sends this node's outbox while holding
// it, and passes it on to the successor. The leader creates the token and
// re-creates it under a new, larger generation (the frame's ID) when it has
// not come back in time, a time that counts the links' delays; a token of
// an older generation than the newest a node has seen is dropped there. A
// message that waits in the outbox for longer than the token can take to
// come (twice the leader's timeout) is dropped: the ring is broken.
type Ring struct {
	a      Host
	log    *slog.Logger
	name   string
	qsize  int   // bound of the outbox, in frames
	over   int64 // what a queued frame costs beyond its payload
	leader bool
	hold   time.Duration
	hop    atomic.Pointer[hops] // a reconfiguration replaces them (Rewire)
	tokens chan *frame.Frame

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

// Hop is a ring neighbour's link.
type Hop interface {
	Name() string
	IsUp() bool
	// EnqueueIfUp queues f on the link, unless it is down; it returns a
	// drop reason or "".
	EnqueueIfUp(f *frame.Frame) string
}

// Host is the agent a ring node is part of.
type Host interface {
	// Ready reports whether every link of the node is up.
	Ready() bool
	// Transmit sends f, a message of this node's, on its way now.
	Transmit(f *frame.Frame) string
	// Drop counts, logs and answers f, dropped for reason.
	Drop(f *frame.Frame, reason string) string
	// Admit and Release charge and give back bytes of the outbox against
	// the bounds all of the agent's queues share.
	Admit(used, n int64) string
	Release(n int64)
}

// hops are a node's neighbours in the ring, and what follows from the
// ring's size.
type hops struct {
	nodes   int // how many nodes the ring has, as far as this one knows
	succ    Hop
	pred    Hop // nil when the predecessor is not a neighbour
	timeout time.Duration
	wait    time.Duration // the longest a message waits in the outbox
}

// h are the hops in force.
func (r *Ring) h() *hops { return r.hop.Load() }

// Rewire makes succ and pred (nil: not a neighbour) the node's ring
// neighbours, in a ring of nodes, whose leader waits timeout for the token
// (see Timeout), as a running agent takes a new config: the ring grew or
// shrank around it. A token passed to the old successor meanwhile is lost
// with its link (dropped as removed there), and the leader makes a new
// one of a newer generation once its timeout passes; messages wait in the
// outbox for it meanwhile.
func (r *Ring) Rewire(succ, pred Hop, nodes int, timeout time.Duration) {
	r.hop.Store(&hops{nodes: nodes, succ: succ, pred: pred, timeout: timeout, wait: 2 * timeout})
}

// Config is what a ring node is made of.
type Config struct {
	Name       string
	Nodes      int // how many nodes the ring has, as far as this one knows
	Succ, Pred Hop // Pred nil when the predecessor is not a neighbour
	Leader     bool
	Hold       time.Duration // how long the token is held
	Timeout    time.Duration // the leader's: see Timeout
	QueueSize  int           // bound of the outbox, in frames
	Overhead   int64         // what a queued frame costs beyond its payload
	Log        *slog.Logger  // with the node's name
}

// New is a ring node of c, part of h.
func New(c Config, h Host) *Ring {
	r := &Ring{
		a: h, log: c.Log, name: c.Name, qsize: c.QueueSize, over: c.Overhead,
		leader: c.Leader, hold: c.Hold,
		tokens: make(chan *frame.Frame, 8),
	}
	r.Rewire(c.Succ, c.Pred, c.Nodes, c.Timeout)
	return r
}

// Succ is the successor's link.
func (r *Ring) Succ() Hop { return r.h().succ }

func (r *Ring) event(level slog.Level, ev, msg string, attrs ...slog.Attr) {
	evlog.Event(r.log, level, ev, msg, attrs...)
}

// Receive takes a token from the predecessor.
func (r *Ring) Receive(f *frame.Frame) {
	select {
	case r.tokens <- f:
	default:
		r.event(slog.LevelWarn, agent.EvToken, "token dropped: too many tokens", evlog.ID(f.ID))
	}
}

// Run passes the token round until ctx is done.
func (r *Ring) Run(ctx context.Context) error {
	defer r.stop()
	tick := time.NewTicker(min(r.h().timeout/4, 250*time.Millisecond))
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
func (r *Ring) accept(f *frame.Frame) *frame.Frame {
	if f.ID < r.epoch {
		r.event(slog.LevelInfo, agent.EvToken, "stale token dropped", evlog.ID(f.ID), evlog.Peer(f.Sender()),
			genAttr(f.ID), slog.Uint64("newest", r.epoch))
		return nil
	}
	r.epoch = f.ID
	if r.leader {
		r.measure(f)
	}
	r.event(r.tokenLevel(), agent.EvToken, "token from "+f.Sender(), evlog.Peer(f.Sender()), slog.Uint64("round", f.Ref), genAttr(f.ID))
	return f
}

// create makes a token, of a new generation, when this node leads, the
// token has not come back within the timeout (or was never made) and its
// links are up. It returns nil otherwise.
func (r *Ring) create(now time.Time) *frame.Frame {
	if !r.leader || now.Sub(r.back) < r.h().timeout || !r.a.Ready() {
		return nil
	}
	lost := !r.back.IsZero()
	r.epoch = max(r.epoch+1, uint64(now.UnixNano()))
	r.back = now
	msg := "token created"
	if lost {
		msg = "token lost, re-created"
	}
	r.event(slog.LevelInfo, agent.EvToken, msg, evlog.ID(r.epoch), genAttr(r.epoch), slog.Duration("timeout", r.h().timeout))
	return &frame.Frame{Type: frame.Token, ID: r.epoch, Source: r.name}
}

func genAttr(g uint64) slog.Attr { return slog.Uint64("generation", g) }

// Timeout is how long the leader waits for the token to come back
// before it takes it for lost and makes a new one: four times what a round
// of n nodes takes without impairment (each holds it for hold, plus 50ms
// to pass it on), plus, per hop, the delay and jitter of both its
// directions and the time to send a token at the rate. A ring's links
// share one impairment, so the leader's own segments tell it; it takes the
// largest. It is at least 2s.
func Timeout(n int, hold time.Duration, segs []agent.Segment) time.Duration {
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

func (r *Ring) measure(f *frame.Frame) {
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
	r.event(slog.LevelInfo, agent.EvRingRTT, "token round trip", slog.Float64("rtt_ms", ms(rtt)),
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
func (r *Ring) holdAndPass(ctx context.Context, tok *frame.Frame) *frame.Frame {
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
				r.event(slog.LevelInfo, agent.EvToken, "stale token dropped", evlog.ID(f.ID), evlog.Peer(f.Sender()),
					genAttr(f.ID), slog.Uint64("newest", tok.ID))
				continue
			}
			r.event(slog.LevelInfo, agent.EvToken, "token superseded by a newer generation", evlog.ID(tok.ID), genAttr(tok.ID),
				slog.Uint64("newest", f.ID))
			return r.accept(f)
		}
	}
	r.flush()
	succ := r.h().succ
	next := &frame.Frame{Type: frame.Token, ID: tok.ID, Ref: tok.Ref, Sent: tok.Sent, Source: tok.Source,
		Destination: succ.Name(), NextHop: succ.Name(), Path: []string{r.name}}
	if r.leader {
		next.Ref = r.rounds
		next.Sent = time.Now().UnixNano()
	}
	if reason := succ.EnqueueIfUp(next); reason != "" {
		r.event(slog.LevelWarn, agent.EvToken, "token not passed: "+reason, evlog.Peer(succ.Name()), evlog.Reason(reason), genAttr(tok.ID))
		return nil
	}
	r.event(r.tokenLevel(), agent.EvToken, "token to "+succ.Name(), evlog.Peer(succ.Name()), genAttr(tok.ID))
	return nil
}

func (r *Ring) flush() {
	r.mu.Lock()
	out := r.takeLocked()
	r.mu.Unlock()
	for _, f := range out {
		r.a.Transmit(f)
	}
}

// SmallRing is the most nodes a ring may have for its token's every pass
// to be logged at info: enough to follow it by eye, not to drown the log.
// A shared segment's ignored frames are logged at info below it too.
const SmallRing = 8

// tokenLevel is the level of the token's passes: info in a small ring,
// debug in a larger one.
func (r *Ring) tokenLevel() slog.Level {
	if r.h().nodes <= SmallRing {
		return slog.LevelInfo
	}
	return slog.LevelDebug
}
