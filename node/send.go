package node

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/evlog"
	"github.com/topo-dev/topo/node/internal/frame"
)

// pending is a Send waiting for its receipt.
type pending struct {
	to string
	ch chan agent.Receipt
}

// receipts are the Sends waiting for their receipts, by message ID.
type receipts struct {
	mu sync.Mutex
	m  map[uint64]*pending
}

// wait registers a Send of message id to to; done takes it off.
func (r *receipts) wait(id uint64, to string) (p *pending, done func()) {
	p = &pending{to: to, ch: make(chan agent.Receipt, 1)}
	r.mu.Lock()
	if r.m == nil {
		r.m = map[uint64]*pending{}
	}
	r.m[id] = p
	r.mu.Unlock()
	return p, func() {
		r.mu.Lock()
		delete(r.m, id)
		r.mu.Unlock()
	}
}

// get is the Send waiting for message id; nil if none.
func (r *receipts) get(id uint64) *pending {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.m[id]
}

// Send originates a message with text as its payload. To is a node name or
// "*" to broadcast. With wantReceipt (ignored for broadcasts) it waits for
// the receipt until ctx is done, and then reports reason "timeout". Without
// it, it returns at once with Queued set, unless the message was dropped
// here already. The error is for misuse only: a message that is not
// delivered is a Receipt with Delivered false.
//
// A text longer than frame.MaxPayload is an error, and so is one longer
// than agent.MaxDatagramPayload whose first hop is a datagram (protocol
// udp, or a shared segment; for a broadcast, any of this node's links), so
// that a message that one topology carries is not refused by another for
// its path's length. A frame forwarded further on that is too big for a
// datagram all the same is dropped there as oversize.
func (a *Agent) Send(ctx context.Context, to, text string, wantReceipt bool) (agent.Receipt, error) {
	return a.send(ctx, to, text, wantReceipt, 0)
}

// send is Send; a burst's message (burst not 0) is counted but not logged
// on its way, and names its burst (burstFrame).
func (a *Agent) send(ctx context.Context, to, text string, wantReceipt bool, burst uint64) (agent.Receipt, error) {
	if err := a.checkSend(to, text); err != nil {
		return agent.Receipt{}, err
	}
	bcast := to == frame.Broadcast
	f := a.newData(to, []byte(text), wantReceipt && !bcast)
	burstFrame(f, burst)
	rc := agent.Receipt{ID: evlog.FormatID(f.ID), From: a.name, To: to}
	var p *pending
	if f.WantReceipt {
		id := f.ID // not f: the wait must not keep the payload alive
		var done func()
		p, done = a.receipts.wait(id, to)
		defer done()
	}
	if !a.running.Load() { // stopped since the check above
		return agent.Receipt{}, ErrNotRunning
	}
	if reason := a.originate(f); reason != "" {
		rc.Reason, rc.DroppedAt = reason, a.name
		rc.Path = []string{a.name}
		return rc, nil
	}
	if p == nil {
		rc.Queued = true
		return rc, nil
	}
	select {
	case r := <-p.ch:
		return r, nil
	case <-ctx.Done():
		rc.Reason = agent.ReasonTimeout
		return rc, nil
	}
}

// checkSend says why text cannot be sent to `to`, if it cannot.
func (a *Agent) checkSend(to, text string) error {
	if !a.running.Load() {
		return ErrNotRunning
	}
	if len(text) > frame.MaxPayload {
		return fmt.Errorf("node: message of %d bytes exceeds %d", len(text), frame.MaxPayload)
	}
	if to == "" {
		return fmt.Errorf("node: no destination")
	}
	if len(to) > frame.MaxName {
		return fmt.Errorf("node: destination %.20q… longer than %d bytes", to, frame.MaxName)
	}
	if len(text) > agent.MaxDatagramPayload && a.leavesAsDatagram(to) {
		return fmt.Errorf("node: message of %d bytes exceeds %d, the most a UDP datagram carries with "+
			"its header (protocol udp or a shared segment); send at most %d bytes, or use protocol tcp",
			len(text), agent.MaxDatagramPayload, agent.MaxDatagramPayload)
	}
	return nil
}

// leavesAsDatagram reports whether a message to `to` leaves this node as a
// datagram: its next hop is across a UDP link or a shared segment, or it
// is a broadcast and one of the links it floods to is.
func (a *Agent) leavesAsDatagram(to string) bool {
	if to == frame.Broadcast {
		for _, l := range a.net.Links() {
			if l.Datagram() {
				return true
			}
		}
		return false
	}
	l := a.net.Link(a.tab().routes[to])
	return to != a.name && l != nil && l.Datagram()
}

func (a *Agent) newData(to string, payload []byte, wantReceipt bool) *frame.Frame {
	return &frame.Frame{Type: frame.Data, WantReceipt: wantReceipt, TTL: a.tab().ttl, ID: a.ids.next(),
		Sent: time.Now().UnixNano(), Source: a.name, Destination: to, Payload: payload}
}

// originate counts and sends a new data message from this node. In a ring it
// waits in the outbox for the token. It returns a drop reason or "".
func (a *Agent) originate(f *frame.Frame) string {
	bcast := f.Destination == frame.Broadcast
	if f.Type == frame.Data {
		if bcast {
			a.cnt.bcastOriginated.Add(1)
		} else {
			a.cnt.originated.Add(1)
		}
		if !f.Quiet {
			a.event(slog.LevelInfo, agent.EvSend, "send to "+f.Destination, evlog.Peer(f.Destination), evlog.ID(f.ID),
				evlog.Bytes(len(f.Payload)), slog.Bool("receipt", f.WantReceipt))
		}
	}
	if bcast {
		a.seen.firstSight(f.Source, f.ID)
	}
	if a.ring != nil && f.Destination != a.name {
		if !bcast {
			if _, ok := a.tab().routes[f.Destination]; !ok {
				return a.drop(f, agent.ReasonNoRoute, nil)
			}
			if a.tab().foreign[f.Destination] {
				return a.drop(f, agent.ReasonNoAgent, nil)
			}
		}
		return a.ring.Post(f)
	}
	return a.transmit(f)
}

// transmit puts an originated frame on its way.
func (a *Agent) transmit(f *frame.Frame) string {
	if f.Destination == frame.Broadcast {
		a.flood(f, nil, nil)
		return ""
	}
	return a.route(f, true)
}

// answer sends the origin of f a receipt.
func (a *Agent) answer(f *frame.Frame, delivered bool, reason string) {
	r := &frame.Frame{Type: frame.Receipt, TTL: a.tab().ttl, ID: a.ids.next(), Ref: f.ID, Sent: time.Now().UnixNano(),
		Source: a.name, Destination: f.Source, Delivered: delivered, Reason: reason,
		OrigPath: append([]string(nil), f.Path...), OrigSent: f.Sent, At: time.Now().UnixNano()}
	if delivered {
		r.Payload = a.bursts.arrivedPayload(f)
	}
	if f.Source == a.name {
		a.resolve(r)
		return
	}
	a.originate(r)
}

// resolve hands a receipt to the Send waiting for it.
func (a *Agent) resolve(r *frame.Frame) {
	p := a.receipts.get(r.Ref)
	now := time.Now()
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	rc := agent.Receipt{ID: evlog.FormatID(r.Ref), From: a.name, Delivered: r.Delivered, Reason: r.Reason, Path: r.OrigPath}
	if p != nil {
		rc.To = p.to
	}
	rc.Arrived = arrivedOf(r)
	if r.Delivered {
		rc.RTTMs = ms(now.Sub(time.Unix(0, r.OrigSent)))
		rc.OneWayMs = ms(time.Unix(0, r.At).Sub(time.Unix(0, r.OrigSent)))
	} else {
		rc.DroppedAt = r.Source
	}
	attrs := []slog.Attr{evlog.Peer(r.Source), evlog.ID(r.Ref), slog.Bool("delivered", r.Delivered), evlog.Path(r.OrigPath)}
	if r.Delivered {
		attrs = append(attrs, slog.Float64("rtt_ms", rc.RTTMs), slog.Float64("one_way_ms", rc.OneWayMs))
	} else {
		attrs = append(attrs, evlog.Reason(r.Reason))
	}
	a.event(slog.LevelInfo, agent.EvReceipt, "receipt from "+r.Source, attrs...)
	if p == nil {
		return
	}
	select {
	case p.ch <- rc:
	default:
	}
}

// stop answers every Send still waiting, of node from, when the agent
// stops.
func (r *receipts) stop(from string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, p := range r.m {
		select {
		case p.ch <- agent.Receipt{ID: evlog.FormatID(id), From: from, To: p.to, Reason: agent.ReasonStopped}:
		default:
		}
	}
}
