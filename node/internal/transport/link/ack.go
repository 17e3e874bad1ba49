package link

import (
	"context"
	"log/slog"
	"net"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/ack"
	"github.com/topo-dev/topo/node/internal/evlog"
	"github.com/topo-dev/topo/node/internal/frame"
	"github.com/topo-dev/topo/node/internal/shaper"
)

// Per-hop acknowledgements: each link keeps an ack.Ledger of what it sent
// (package ack says why); this is how the links fill and settle it.

// ackTick is how often the ledgers are looked at.
const ackTick = 250 * time.Millisecond

// keyOf names f in a ledger.
func keyOf(f *frame.Frame) ack.Key { return ack.Key{Src: f.Source, ID: f.ID} }

// ackable says whether f is a frame the next hop acknowledges.
func ackable(f *frame.Frame) bool {
	return f != nil && f.Type == frame.Data && f.Destination != frame.Broadcast
}

// sending enters h in the link's ledger before it is written: the ack
// may come back before the write returns. unsend takes it out again when
// the write fails.
func (l *Link) sending(h held) {
	if !ackable(h.hdr) {
		return
	}
	if l.kind == TCP {
		h.b = nil // the ledger needs the header, not the bytes
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fault.Direction == agent.CutIn {
		return // no ack can come back: the neighbour counts it (oneWayIn)
	}
	if l.ledger.Sending(keyOf(h.hdr), h, time.Now()) && !l.a.ackArmed.Load() {
		select {
		case l.a.ledgers <- struct{}{}:
		default:
		}
	}
}

func (l *Link) unsend(h held) {
	if !ackable(h.hdr) {
		return
	}
	l.mu.Lock()
	l.ledger.Unsend(keyOf(h.hdr))
	l.mu.Unlock()
}

// acked takes the frame named by an ack off the ledger. An ack for a frame
// already counted as dropped revokes the drop.
func (l *Link) acked(k ack.Key) {
	l.mu.Lock()
	inFlight, revoked := l.ledger.Acked(k)
	l.ackHeard()
	l.mu.Unlock()
	if inFlight {
		l.windowOpened()
	}
	if revoked != "" {
		l.a.h.Revoked(revoked)
		l.a.event(slog.LevelInfo, agent.EvRevoke, "drop revoked: "+l.Name()+" acknowledged it after all",
			evlog.Peer(l.Name()), evlog.ID(k.ID), slog.String("from", k.Src), evlog.Reason(revoked))
	}
}

// settle counts as dropped what the ledger holds that can no longer be
// acknowledged in time: frames sent before the link last went down, and
// frames older than unackedAfter; all of them when the agent is stopping.
func (l *Link) settle(now time.Time, stopping bool) {
	l.mu.Lock()
	lost := l.ledger.Settle(now, l.unackedAfter(), stopping)
	l.unackedSeen(lost)
	var again [][]byte
	if !stopping {
		again = l.dueAgain(now)
	}
	l.mu.Unlock()
	l.sendAgain(again)
	if len(lost) > 0 {
		l.windowOpened()
	}
	for _, fl := range lost {
		l.a.dropQueued(fl.V, l, fl.Reason, nil)
	}
}

// unackedAfter is how long an ack may take on a link that stays up: the
// ack wait or the link's dead interval, whichever is longer, and the way
// there and back under the segment's impairment and the link's runtime
// one. Call with l.mu held.
func (l *Link) unackedAfter() time.Duration {
	// A neighbour that is alive but slow (a loaded machine, a big shared
	// segment) gets as long as its link's liveness gives it.
	d := max(l.a.o.AckWait, l.dead)
	if l.kind == TCP {
		d = max(l.a.o.AckWait, l.a.o.DeadAfter)
	}
	for _, sh := range []*shaper.Shaper[Shaped]{l.seg.Shaper(), l.rt} {
		if sh != nil {
			imp := sh.Impairment()
			d += 2 * (imp.Delay.D() + imp.Jitter.D())
		}
	}
	return d
}

func (l *Link) InFlight() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ledger.Len()
}

// Ack acknowledges f, a data frame that came from the neighbour on l, and
// remembers that it did for a while (reack). It reports whether f is to
// be handled: false for a copy of a frame already had (ack_retry.go),
// which is acknowledged again and nothing more.
func (a *Env) Ack(f *frame.Frame, l *Link) bool {
	if l == nil || !ackable(f) {
		return true
	}
	l.mu.Lock()
	first := l.ledger.Remember(keyOf(f), len(f.Path), time.Now())
	l.mu.Unlock()
	a.sendAck(l, keyOf(f))
	return first
}

// reack sends again the acks of the last ack.ReackWithin, when the link comes
// back up: one sent as the link went down (a cable cut in that instant)
// was lost, and the neighbour counted its frame as dropped; the ack,
// late, takes the drop back. Acks the neighbour has already had are
// ignored.
func (l *Link) reack() {
	l.mu.Lock()
	keys := l.ledger.Recent(time.Now().Add(-ack.ReackWithin))
	l.mu.Unlock()
	for _, k := range keys {
		l.a.sendAck(l, k)
	}
}

// sendAck sends the ack of k on l: at once on a datagram link; on a TCP
// link the write loop sends it, ahead of the queue, so that the reader
// never blocks on a write.
func (a *Env) sendAck(l *Link, k ack.Key) {
	af := &frame.Frame{Type: frame.Ack, Ref: k.ID, Source: a.name, Destination: l.Name(), NextHop: l.Name(),
		Path: []string{a.name}, Payload: []byte(k.Src)}
	l.mu.Lock()
	cut := l.fault.Direction == agent.CutOut
	l.mu.Unlock()
	if cut {
		return // the kernel drops it: the neighbour hands its frames over unacknowledged
	}
	if l.kind != TCP {
		// On a shared segment it is put on the segment, like every frame
		// there: a unicast to each neighbour would need an ARP entry per
		// pair, and the kernel's neighbour table is one for all network
		// namespaces (1024 entries by default), which a bus of 100 fills.
		b, err := frame.Encode(af)
		if err == nil {
			err = l.write(nil, b)
		}
		if err != nil {
			a.event(slog.LevelDebug, agent.EvLink, "ack to "+l.Name()+" failed", evlog.Peer(l.Name()), evlog.Err(err))
		}
		return
	}
	b, err := frame.EncodeStream(af)
	if err != nil {
		return
	}
	l.mu.Lock()
	if len(l.acks) < ack.MaxInFlight {
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
func (l *Link) writeAcks(conn net.Conn) bool {
	l.mu.Lock()
	acks := l.acks
	l.acks = nil
	l.mu.Unlock()
	if len(acks) == 0 {
		return true
	}
	var buf []byte
	for _, b := range acks {
		buf = l.seg.Sealer().AppendStream(buf, b)
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
func (a *Env) ackLoop(ctx context.Context) error {
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
func (a *Env) settleLedgers(now time.Time) bool {
	busy := false
	for _, l := range a.allLinks() {
		l.settle(now, false)
		busy = busy || l.ledgerHolds()
	}
	return busy
}

func (a *Env) ledgersHold() bool {
	for _, l := range a.allLinks() {
		if l.ledgerHolds() {
			return true
		}
	}
	return false
}

func (l *Link) ledgerHolds() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ledger.Holds()
}

// settleAll counts what every ledger still holds as stopped: the agent
// has stopped reading, so no ack can come. An agent stopped as a killed
// one is (WithoutBye, in tests) counts nothing, as a killed one cannot:
// what it had in flight went on to its neighbours, who count it.
func (a *Env) settleAll() {
	now := time.Now()
	for _, l := range a.allLinks() {
		if a.o.NoBye {
			l.mu.Lock()
			l.ledger.Forget()
			l.mu.Unlock()
			continue
		}
		l.settle(now, true)
	}
}
