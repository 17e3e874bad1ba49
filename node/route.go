package node

import (
	"log/slog"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/evlog"
	"github.com/topo-dev/topo/node/internal/frame"
	"github.com/topo-dev/topo/node/internal/ring"
	"github.com/topo-dev/topo/node/internal/transport"
)

// receive handles a frame heard on link l or segment seg that the links
// do not keep to themselves (transport.Host.Receive).
func (a *Agent) receive(f *frame.Frame, l *transport.Link, seg *transport.Segment) {
	sender := f.Sender()
	switch f.Type {
	case frame.Greeting:
		if f.Destination == a.name {
			a.event(slog.LevelInfo, agent.EvGreeting, "received: "+string(f.Payload), evlog.Peer(sender))
		}
		return
	case frame.Token:
		if f.NextHop == a.name && a.ring != nil {
			a.ring.Receive(f)
		}
		return
	}
	if f.NextHop != a.name && f.NextHop != frame.Broadcast {
		if f.Type == frame.Data {
			a.cnt.ignored.Add(1)
			if f.Quiet {
				return
			}
			a.event(ignoredLevel(len(a.tab().routes)), agent.EvIgnored, "ignored frame for "+f.NextHop, evlog.Peer(sender), evlog.ID(f.ID),
				slog.String("to", f.Destination), slog.String("next_hop", f.NextHop), evlog.Bytes(len(f.Payload)))
		}
		return
	}
	if f.Destination == frame.Broadcast {
		if f.Type == frame.Data {
			a.receiveFlood(f, l, seg)
		}
		return
	}
	if f.NextHop == a.name && !a.net.Ack(f, l) {
		return // a copy sent again, acknowledged again: handled once
	}
	a.route(f, false)
}

func (a *Agent) greet(l *transport.Link, remote string) {
	a.event(slog.LevelInfo, agent.EvConnection, "got connection from "+remote, evlog.Peer(l.Name()), evlog.Addr(remote))
	g := &frame.Frame{Type: frame.Greeting, ID: a.ids.next(), Sent: time.Now().UnixNano(), Source: a.name,
		Destination: l.Name(), NextHop: l.Name(), Path: []string{a.name}, Payload: []byte(GreetingText)}
	if r := l.Enqueue(g); r != "" {
		a.event(slog.LevelWarn, agent.EvDrop, "greeting to "+l.Name()+" dropped", evlog.Peer(l.Name()), evlog.Reason(r))
	}
}

// route delivers f here or passes it to the next hop. It returns the drop
// reason if f was dropped at this node, else "".
func (a *Agent) route(f *frame.Frame, origin bool) string {
	if f.Destination == a.name {
		a.deliver(f)
		return ""
	}
	nh, ok := a.tab().routes[f.Destination]
	if !ok {
		return a.drop(f, agent.ReasonNoRoute, nil)
	}
	if a.tab().foreign[f.Destination] || a.tab().foreign[nh] {
		return a.drop(f, agent.ReasonNoAgent, nil)
	}
	l := a.net.Link(nh)
	if l == nil {
		return a.drop(f, agent.ReasonNoRoute, nil)
	}
	f.Path = append(f.Path, a.name)
	if f.TTL <= 1 {
		return a.drop(f, agent.ReasonTTL, nil)
	}
	f.TTL--
	f.NextHop = nh
	// Count before the frame can arrive, so that a receipt never overtakes
	// the count; take it back if the frame goes no further.
	counted := f.Type == frame.Data && !origin
	if counted {
		a.cnt.forwarded.Add(1)
	}
	if r := enqueueBurst(l, f, a.o.QueueWait); r != "" {
		if counted {
			a.cnt.forwarded.Add(^uint64(0))
		}
		return a.drop(f, r, nil)
	}
	if counted && !f.Quiet {
		a.event(slog.LevelInfo, agent.EvForward, "forward to "+nh, evlog.Peer(nh), evlog.ID(f.ID), evlog.Bytes(len(f.Payload)),
			slog.String("from", f.Source), slog.String("to", f.Destination))
	}
	return ""
}

func (a *Agent) deliver(f *frame.Frame) {
	f.Path = append(f.Path, a.name)
	switch f.Type {
	case frame.Receipt:
		a.resolve(f)
		return
	case frame.Data:
	default:
		return
	}
	a.cnt.delivered.Add(1)
	a.bursts.arrived(f)
	if !f.Quiet {
		a.event(slog.LevelInfo, agent.EvDeliver, "delivered from "+f.Source, evlog.Peer(f.Source), evlog.ID(f.ID),
			evlog.Bytes(len(f.Payload)), evlog.Path(f.Path), evlog.Text(f.Payload))
	}
	notify(a.o.onDeliver, f)
	if f.WantReceipt {
		a.answer(f, true, "")
	}
}

// notify hands f, delivered here, to fn (WithOnDeliver), if any.
func notify(fn func(Message), f *frame.Frame) {
	if fn == nil {
		return
	}
	fn(Message{ID: evlog.FormatID(f.ID), From: f.Source, To: f.Destination, Path: append([]string(nil), f.Path...),
		Payload: f.Payload, Sent: time.Unix(0, f.Sent)})
}

// drop counts and logs a frame dropped at this node and, when its origin
// asked, tells the origin why. It returns the reason.
func (a *Agent) drop(f *frame.Frame, reason string, err error) string {
	return a.dropSized(f, len(f.Payload), reason, err)
}

// dropSized is drop for a frame of size payload bytes: a queue keeps a
// frame's header without its payload.
func (a *Agent) dropSized(f *frame.Frame, size int, reason string, err error) string {
	if f.Type != frame.Data {
		a.event(slog.LevelWarn, agent.EvDrop, f.Type.String()+" dropped: "+reason, evlog.ID(f.ID), evlog.Reason(reason),
			slog.String("to", f.Destination))
		return reason
	}
	if n := len(f.Path); n == 0 || f.Path[n-1] != a.name {
		f.Path = append(f.Path, a.name)
	}
	a.cnt.drop(reason)
	if f.Quiet { // a burst's: counted, as its deliveries are, not logged
		return reason
	}
	attrs := []slog.Attr{evlog.ID(f.ID), evlog.Reason(reason), evlog.Bytes(size),
		slog.String("from", f.Source), slog.String("to", f.Destination), evlog.Path(f.Path)}
	if err != nil {
		attrs = append(attrs, evlog.Err(err))
	}
	a.event(slog.LevelWarn, agent.EvDrop, "dropped: "+reason, attrs...)
	if f.WantReceipt && reason != agent.ReasonStopped {
		a.answer(f, false, reason)
	}
	return reason
}

// ignoredLevel is the level of the frames a node sees on a shared segment
// and ignores: info in a small topology, debug in a larger one, where every
// member would log what every other member sends.
func ignoredLevel(routes int) slog.Level {
	if routes < ring.SmallRing {
		return slog.LevelInfo
	}
	return slog.LevelDebug
}
