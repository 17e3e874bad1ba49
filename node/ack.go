package node

import (
	"context"
	"log/slog"
	"net"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/frame"
)

// Per-hop acknowledgements. Every data frame sent to a neighbour (not a
// broadcast) is kept in its link's ledger until the neighbour acknowledges
// it. One that is never acknowledged is counted as dropped, at the node
// that sent it: when its link goes down, with the link's reason, or after
// unackedAfter with the link up, as unacked. So a frame lost in the
// kernel (a neighbour killed or paused, a cable cut under the agents) is
// counted instead of vanishing. On a datagram link a frame is sent again
// before that (ack_retry.go), so that a lost ack does not count a frame
// that arrived as dropped. An acknowledgement that comes after its
// frame was counted takes the drop back: the frame did arrive.

// ackKey names a data frame on a link: its origin and ID.
type ackKey struct {
	src string
	id  uint64
}

// flight is a frame in the ledger: what dropping it needs (and on a
// datagram link, sending it again: ack_retry.go), when it first and last
// left, how many times, and the link's epoch then.
type flight struct {
	h     held
	sent  time.Time
	last  time.Time
	tries int
	epoch uint64
}

// settledDrop is a frame counted as dropped for want of an ack, kept for
// revokeWindow in case the ack comes after all.
type settledDrop struct {
	reason string
	at     time.Time
}

const (
	// maxInFlight bounds a link's ledger; a frame sent while it is full is
	// not followed (counted as it was before acknowledgements).
	maxInFlight = 1 << 14
	// revokeWindow is how long a drop may be taken back.
	revokeWindow = time.Minute
	// ackTick is how often the ledgers are looked at.
	ackTick = 250 * time.Millisecond
)

// ackable says whether f is a frame the next hop acknowledges.
func ackable(f *frame.Frame) bool {
	return f != nil && f.Type == frame.Data && f.Destination != frame.Broadcast
}

// sending enters h in the link's ledger before it is written: the ack
// may come back before the write returns. unsend takes it out again when
// the write fails.
func (l *link) sending(h held) {
	if !ackable(h.hdr) {
		return
	}
	if l.kind == kindTCP {
		h.b = nil // the ledger needs the header, not the bytes
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inflight == nil {
		l.inflight = map[ackKey]flight{}
	}
	if len(l.inflight) >= maxInFlight {
		return
	}
	l.inflight[ackKey{h.hdr.Source, h.hdr.ID}] = flight{h: h, sent: now, last: now, tries: 1, epoch: l.epoch}
	if !l.a.ackArmed.Load() {
		select {
		case l.a.ledgers <- struct{}{}:
		default:
		}
	}
}

func (l *link) unsend(h held) {
	if !ackable(h.hdr) {
		return
	}
	l.mu.Lock()
	delete(l.inflight, ackKey{h.hdr.Source, h.hdr.ID})
	l.mu.Unlock()
}

// acked takes the frame named by an ack off the ledger. An ack for a frame
// already counted as dropped revokes the drop.
func (l *link) acked(k ackKey) {
	l.mu.Lock()
	if _, ok := l.inflight[k]; ok {
		delete(l.inflight, k)
		l.mu.Unlock()
		l.windowOpened()
		return
	}
	d, ok := l.settled[k]
	delete(l.settled, k)
	l.mu.Unlock()
	if ok {
		l.a.cnt.revoke(d.reason)
		l.a.event(slog.LevelInfo, agent.EvRevoke, "drop revoked: "+l.name()+" acknowledged it after all",
			peerAttr(l.name()), idAttr(k.id), slog.String("from", k.src), reasonAttr(d.reason))
	}
}

// settle counts as dropped what the ledger holds that can no longer be
// acknowledged in time: frames sent before the link last went down, and
// frames older than unackedAfter; all of them when the agent is stopping.
func (l *link) settle(now time.Time, stopping bool) {
	var lost []flight
	var reasons []string
	l.mu.Lock()
	wait := l.unackedAfter()
	for k, fl := range l.inflight {
		reason := ""
		switch {
		case stopping:
			reason = agent.ReasonStopped
		case fl.epoch != l.epoch:
			reason = l.downWhy
		case now.Sub(fl.sent) > wait:
			reason = agent.ReasonUnacked
		default:
			continue
		}
		delete(l.inflight, k)
		if l.settled == nil {
			l.settled = map[ackKey]settledDrop{}
		}
		l.settled[k] = settledDrop{reason: reason, at: now}
		lost = append(lost, fl)
		reasons = append(reasons, reason)
	}
	for k, d := range l.settled {
		if now.Sub(d.at) > revokeWindow {
			delete(l.settled, k)
		}
	}
	var again [][]byte
	if !stopping {
		again = l.dueAgain(now)
	}
	l.mu.Unlock()
	l.sendAgain(again)
	if len(lost) > 0 {
		l.windowOpened()
	}
	for i, fl := range lost {
		l.a.dropQueued(fl.h, l, reasons[i], nil)
	}
}

// unackedAfter is how long an ack may take on a link that stays up: the
// ack wait or the link's dead interval, whichever is longer, and the way
// there and back under the segment's impairment and the link's runtime
// one. Call with l.mu held.
func (l *link) unackedAfter() time.Duration {
	// A neighbour that is alive but slow (a loaded machine, a big shared
	// segment) gets as long as its link's liveness gives it.
	d := max(l.a.o.ackWait, l.dead)
	if l.kind == kindTCP {
		d = max(l.a.o.ackWait, l.a.o.deadAfter)
	}
	for _, sh := range []*shaper{l.seg.shaper, l.rt} {
		if sh != nil {
			imp := sh.impairment()
			d += 2 * (imp.Delay.D() + imp.Jitter.D())
		}
	}
	return d
}

func (l *link) inFlight() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.inflight)
}

// ack acknowledges f, a data frame that came from the neighbour on l, and
// remembers that it did for a while (reack). It reports whether f is to
// be handled: false for a copy of a frame already had (ack_retry.go),
// which is acknowledged again and nothing more.
func (a *Agent) ack(f *frame.Frame, l *link) bool {
	if l == nil || !ackable(f) {
		return true
	}
	l.mu.Lock()
	first := l.remember(f, time.Now())
	l.mu.Unlock()
	a.sendAck(l, ackKey{f.Source, f.ID})
	return first
}

// reackWithin is how old an ack may be and still be sent again: a link
// that went down and came back within it may have lost it.
const reackWithin = 15 * time.Second

// reack sends again the acks of the last reackWithin, when the link comes
// back up: one sent as the link went down (a cable cut in that instant)
// was lost, and the neighbour counted its frame as dropped; the ack,
// late, takes the drop back. Acks the neighbour has already had are
// ignored.
func (l *link) reack() {
	since := time.Now().Add(-reackWithin)
	l.mu.Lock()
	var keys []ackKey
	for _, r := range l.seen[max(0, len(l.seen)-maxReack):] {
		if r.at.After(since) {
			keys = append(keys, r.k.ackKey)
		}
	}
	l.mu.Unlock()
	for _, k := range keys {
		l.a.sendAck(l, k)
	}
}

// sendAck sends the ack of k on l: at once on a datagram link; on a TCP
// link the write loop sends it, ahead of the queue, so that the reader
// never blocks on a write.
func (a *Agent) sendAck(l *link, k ackKey) {
	af := &frame.Frame{Type: frame.Ack, Ref: k.id, Source: a.name, Destination: l.name(), NextHop: l.name(),
		Path: []string{a.name}, Payload: []byte(k.src)}
	if l.kind != kindTCP {
		// On a shared segment it is put on the segment, like every frame
		// there: a unicast to each neighbour would need an ARP entry per
		// pair, and the kernel's neighbour table is one for all network
		// namespaces (1024 entries by default), which a bus of 100 fills.
		b, err := frame.Encode(af)
		if err == nil {
			err = l.write(nil, b)
		}
		if err != nil {
			a.event(slog.LevelDebug, agent.EvLink, "ack to "+l.name()+" failed", peerAttr(l.name()), errAttr(err))
		}
		return
	}
	b, err := encodeStream(af)
	if err != nil {
		return
	}
	l.mu.Lock()
	if len(l.acks) < maxInFlight {
		l.acks = append(l.acks, b)
	}
	l.mu.Unlock()
	l.poke()
}

// writeAcks writes the acks waiting on a TCP link's connection, sealed
// into one write as the write loop's frames are (writeBatch). It reports
// false when the connection failed; the acks then wait for the next one,
// whose neighbour may still be waiting for them (one it had already is
// ignored).
func (l *link) writeAcks(conn net.Conn) bool {
	l.mu.Lock()
	acks := l.acks
	l.acks = nil
	l.mu.Unlock()
	if len(acks) == 0 {
		return true
	}
	var buf []byte
	for _, b := range acks {
		buf = l.seg.appendSealedStream(buf, b)
	}
	if err := l.writeStream(conn, buf); err != nil {
		l.mu.Lock()
		l.acks = append(acks, l.acks...)
		l.mu.Unlock()
		l.detach(conn, err)
		return false
	}
	return true
}

// ackLoop settles the ledgers every ackTick while one holds a frame, and
// sleeps while none does: on a bus of 250 an idle agent has 249 ledgers,
// and looking at them four times a second was a good part of what idle
// agents cost. A frame entered while it sleeps wakes it (sending).
func (a *Agent) ackLoop(ctx context.Context) error {
	t := time.NewTimer(ackTick)
	defer t.Stop()
	for {
		var tick <-chan time.Time
		if a.ackArmed.Load() {
			tick = t.C
		}
		select {
		case <-ctx.Done():
			return nil
		case <-a.ledgers:
			if !a.ackArmed.Load() {
				a.ackArmed.Store(true)
				t.Reset(ackTick)
			}
		case now := <-tick:
			if a.settleLedgers(now) {
				t.Reset(ackTick)
				continue
			}
			// Disarmed first, then looked at again: a frame entered
			// after the look above either shows in this one, or its
			// sender sees the loop disarmed and wakes it.
			a.ackArmed.Store(false)
			if a.ledgersHold() {
				a.ackArmed.Store(true)
				t.Reset(ackTick)
			}
		}
	}
}

// settleLedgers settles every link's ledger and reports whether one still
// holds a frame, or a drop that an ack may yet take back.
func (a *Agent) settleLedgers(now time.Time) bool {
	busy := false
	for _, l := range a.linkList {
		l.settle(now, false)
		busy = busy || l.ledgerHolds()
	}
	return busy
}

func (a *Agent) ledgersHold() bool {
	for _, l := range a.linkList {
		if l.ledgerHolds() {
			return true
		}
	}
	return false
}

func (l *link) ledgerHolds() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.inflight) > 0 || len(l.settled) > 0
}

// settleAll counts what every ledger still holds as stopped: the agent
// has stopped reading, so no ack can come. An agent stopped as a killed
// one is (WithoutBye, in tests) counts nothing, as a killed one cannot:
// what it had in flight went on to its neighbours, who count it.
func (a *Agent) settleAll() {
	now := time.Now()
	for _, l := range a.linkList {
		if a.o.noBye {
			l.mu.Lock()
			clear(l.inflight)
			l.mu.Unlock()
			continue
		}
		l.settle(now, true)
	}
}
