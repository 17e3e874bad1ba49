// Package ack is a link's ledger of per-hop acknowledgements. Every data
// frame sent to a neighbour (not a broadcast) is kept in its link's
// ledger until the neighbour acknowledges it. One that is never
// acknowledged is counted as dropped, at the node that sent it: when its
// link goes down, with the link's reason, or after the ack wait with the
// link up, as unacked. So a frame lost in the kernel (a neighbour killed
// or paused, a cable cut under the agents) is counted instead of
// vanishing. An acknowledgement that comes after its frame was counted
// takes the drop back: the frame did arrive.
//
// Retries, so that every message ends exactly once. A datagram, or the
// ack of one, may be lost in the kernel (a socket buffer full under two
// opposite bursts) without the link going down. Counting such a frame as
// dropped (unacked) when only its ack was lost counted it twice: delivered
// further on, and dropped here. So on a datagram link a frame that is not
// acknowledged in time is sent again, the same bytes, up to MaxTries times
// in all before it counts as unacked; and every node remembers, per link,
// the frames it has had for a while (Remember), so that it acknowledges a
// copy again without handling it a second time. A copy is told from the
// frame coming back by a routing loop by its path: a frame sent again is
// the same bytes, one that loops has a longer path, and is handled as
// before (its TTL ends it).
package ack

import (
	"slices"
	"time"

	"github.com/topo-dev/topo/agent"
)

const (
	// MaxInFlight bounds a ledger; a frame sent while it is full is not
	// followed (counted as it was before acknowledgements).
	MaxInFlight = 1 << 14
	// RevokeWindow is how long a drop may be taken back.
	RevokeWindow = time.Minute
	// ReackWithin is how old an ack may be and still be sent again: a
	// link that went down and came back within it may have lost it.
	ReackWithin = 15 * time.Second
	// MaxTries is how many times a datagram link sends a frame in all
	// before it counts as unacked.
	MaxTries = 4
	// maxSeen bounds the frames a link remembers having had. Under a
	// flood the oldest go first; a copy of a frame forgotten would be
	// handled twice, so it holds far more than a ledger does
	// (MaxInFlight), and what arrives in several retry intervals at the
	// fastest burst rates measured.
	maxSeen = 1 << 17
	// seenFor is how long a link remembers a frame: longer than a
	// neighbour goes on sending it, and as long as an ack may be sent
	// again (Recent).
	seenFor = ReackWithin
	// maxReack bounds the acks sent again when a link comes back up.
	maxReack = 4096
)

// Key names a data frame on a link: its origin and ID.
type Key struct {
	Src string
	ID  uint64
}

// flight is a frame in the ledger: what dropping it (and on a datagram
// link, sending it again) needs, when it first and last left, how many
// times, and the link's epoch then.
type flight[T any] struct {
	v     T
	sent  time.Time
	last  time.Time
	tries int
	epoch uint64
}

// settledDrop is a frame counted as dropped for want of an ack, kept for
// RevokeWindow in case the ack comes after all.
type settledDrop struct {
	reason string
	at     time.Time
}

// seenKey names a frame as the link it arrived on had it: its origin, ID
// and hops so far.
type seenKey struct {
	Key
	hops int
}

// seenFrame is a frame had, in the order they came.
type seenFrame struct {
	k  seenKey
	at time.Time
}

// Ledger is one link's: what it sent and waits to hear acknowledged, of
// values T (what dropping or resending a frame needs), and what it had.
// The zero Ledger is empty. It is not safe for concurrent use: its link's
// mutex guards it.
type Ledger[T any] struct {
	inflight map[Key]flight[T]
	settled  map[Key]settledDrop
	seen     []seenFrame
	seenSet  map[seenKey]struct{}
	epoch    uint64 // how many times the link went down
	downWhy  string // the drop reason of what was in flight when it last did
}

// Sending enters v, the frame k, before it is written: the ack may come
// back before the write returns. It reports whether it did: a full
// ledger follows no more.
func (g *Ledger[T]) Sending(k Key, v T, now time.Time) bool {
	if g.inflight == nil {
		g.inflight = map[Key]flight[T]{}
	}
	if len(g.inflight) >= MaxInFlight {
		return false
	}
	g.inflight[k] = flight[T]{v: v, sent: now, last: now, tries: 1, epoch: g.epoch}
	return true
}

// Unsend takes k out again, when its write failed.
func (g *Ledger[T]) Unsend(k Key) { delete(g.inflight, k) }

// Acked takes the frame named by an ack off the ledger. It reports whether
// the frame was in flight, and the reason of the drop it takes back when
// it had been counted as dropped already ("" when not).
func (g *Ledger[T]) Acked(k Key) (inFlight bool, revoked string) {
	if _, ok := g.inflight[k]; ok {
		delete(g.inflight, k)
		return true, ""
	}
	d, ok := g.settled[k]
	delete(g.settled, k)
	if ok {
		return false, d.reason
	}
	return false, ""
}

// Down says that the link went down: what is in flight now can no longer
// be acknowledged in time, and is dropped with reason when settled.
func (g *Ledger[T]) Down(reason string) {
	g.epoch++
	g.downWhy = reason
}

// DownWhy is the reason of the link's last going down; "" if it never did.
func (g *Ledger[T]) DownWhy() string { return g.downWhy }

// Lost is a frame the ledger counts as dropped, and why.
type Lost[T any] struct {
	V      T
	Reason string
}

// Settle takes off the ledger what can no longer be acknowledged in time:
// frames sent before the link last went down, and frames older than wait;
// all of them, as stopped, when the agent is stopping. It keeps them for
// RevokeWindow in case their ack comes after all.
func (g *Ledger[T]) Settle(now time.Time, wait time.Duration, stopping bool) []Lost[T] {
	var lost []Lost[T]
	for k, fl := range g.inflight {
		reason := ""
		switch {
		case stopping:
			reason = agent.ReasonStopped
		case fl.epoch != g.epoch:
			reason = g.downWhy
		case now.Sub(fl.sent) > wait:
			reason = agent.ReasonUnacked
		default:
			continue
		}
		delete(g.inflight, k)
		if g.settled == nil {
			g.settled = map[Key]settledDrop{}
		}
		g.settled[k] = settledDrop{reason: reason, at: now}
		lost = append(lost, Lost[T]{fl.v, reason})
	}
	for k, d := range g.settled {
		if now.Sub(d.at) > RevokeWindow {
			delete(g.settled, k)
		}
	}
	return lost
}

// DueAgain is what is to be sent again now, on a datagram link that waits
// every for an ack: frames that resendable says can be, sent fewer than
// MaxTries times, since the link last came up, and not within every.
func (g *Ledger[T]) DueAgain(now time.Time, every time.Duration, resendable func(T) bool) []T {
	var again []T
	for k, fl := range g.inflight {
		if !resendable(fl.v) || fl.tries >= MaxTries || fl.epoch != g.epoch || now.Sub(fl.last) < every {
			continue
		}
		fl.tries++
		fl.last = now
		g.inflight[k] = fl
		again = append(again, fl.v)
	}
	return again
}

// Len is how many frames are in flight.
func (g *Ledger[T]) Len() int { return len(g.inflight) }

// Holds reports whether the ledger holds a frame, or a drop that an ack
// may yet take back.
func (g *Ledger[T]) Holds() bool { return len(g.inflight) > 0 || len(g.settled) > 0 }

// Forget empties what is in flight without counting it: an agent stopped
// as a killed one is cannot count what it had in flight.
func (g *Ledger[T]) Forget() { clear(g.inflight) }

// Remember records that the link had the frame k after hops hops, and
// reports whether it is the first time within the last while: a copy sent
// again (the same hops) is acknowledged again and nothing more.
func (g *Ledger[T]) Remember(k Key, hops int, now time.Time) bool {
	sk := seenKey{k, hops}
	if _, dup := g.seenSet[sk]; dup {
		return false
	}
	stale := 0
	for stale < len(g.seen) && now.Sub(g.seen[stale].at) > seenFor {
		stale++
	}
	if len(g.seen)-stale >= maxSeen {
		stale = max(stale, len(g.seen)/4)
	}
	for _, s := range g.seen[:stale] {
		delete(g.seenSet, s.k)
	}
	g.seen = slices.Delete(g.seen, 0, stale)
	if g.seenSet == nil {
		g.seenSet = map[seenKey]struct{}{}
	}
	g.seenSet[sk] = struct{}{}
	g.seen = append(g.seen, seenFrame{sk, now})
	return true
}

// Recent are the frames had since since, at most the last maxReack of
// them: those whose acks go again when the link comes back up.
func (g *Ledger[T]) Recent(since time.Time) []Key {
	var keys []Key
	for _, r := range g.seen[max(0, len(g.seen)-maxReack):] {
		if r.at.After(since) {
			keys = append(keys, r.k.Key)
		}
	}
	return keys
}
