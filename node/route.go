package node

import (
	"log/slog"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/frame"
)

// receive handles a frame heard on link l (tcp) or on segment seg
// (datagrams; l is then nil).
func (a *Agent) receive(f *frame.Frame, l *link, seg *segment) {
	a.heard.Store(time.Now().UnixNano())
	sender := f.Sender()
	if sender == a.name {
		return // our own broadcast, looped back
	}
	if f.Type == frame.Bye {
		if l == nil {
			l = a.links[sender]
		}
		if l != nil {
			l.sawBye()
		}
		return
	}
	if l == nil {
		if l = a.links[sender]; l != nil && l.kind != kindTCP {
			if l.heardFrom(f.Type == frame.Hello) {
				a.linkCameUp(l)
			}
		}
	}
	if seg == nil && l != nil {
		seg = l.seg
	}
	switch f.Type {
	case frame.Hello:
		return
	case frame.Greeting:
		if f.Destination == a.name {
			a.event(slog.LevelInfo, agent.EvGreeting, "received: "+string(f.Payload), peerAttr(sender))
		}
		return
	case frame.Token:
		if f.NextHop == a.name && a.ring != nil {
			a.ring.receive(f)
		}
		return
	case frame.Ack:
		if f.NextHop == a.name && l != nil {
			l.acked(ackKey{string(f.Payload), f.Ref})
		}
		return
	}
	if f.NextHop != a.name && f.NextHop != frame.Broadcast {
		if f.Type == frame.Data {
			a.cnt.ignored.Add(1)
			if f.Quiet {
				return
			}
			a.event(a.ignoredLevel(), agent.EvIgnored, "ignored frame for "+f.NextHop, peerAttr(sender), idAttr(f.ID),
				slog.String("to", f.Destination), slog.String("next_hop", f.NextHop), bytesAttr(len(f.Payload)))
		}
		return
	}
	if f.Destination == frame.Broadcast {
		if f.Type == frame.Data {
			a.receiveFlood(f, l, seg)
		}
		return
	}
	if f.NextHop == a.name && !a.ack(f, l) {
		return // a copy sent again, acknowledged again: handled once
	}
	a.route(f, false)
}

// linkCameUp runs when a datagram link comes up: answer at once so the
// neighbour sees us too, and greet a client.
func (a *Agent) linkCameUp(l *link) {
	if l.kind == kindUDP {
		a.sendHello(l)
	} else if l.seg.mayAnswerHello(a.o) {
		a.putHello(l.seg)
	}
	l.reack()
	if a.isServer() {
		a.greet(l, l.peer.String())
	}
}

func (a *Agent) greet(l *link, remote string) {
	a.event(slog.LevelInfo, agent.EvConnection, "got connection from "+remote, peerAttr(l.name()), addrAttr(remote))
	g := &frame.Frame{Type: frame.Greeting, ID: a.newID(), Sent: time.Now().UnixNano(), Source: a.name,
		Destination: l.name(), NextHop: l.name(), Path: []string{a.name}, Payload: []byte(GreetingText)}
	if r := l.enqueue(g); r != "" {
		a.event(slog.LevelWarn, agent.EvDrop, "greeting to "+l.name()+" dropped", peerAttr(l.name()), reasonAttr(r))
	}
}

// route delivers f here or passes it to the next hop. It returns the drop
// reason if f was dropped at this node, else "".
func (a *Agent) route(f *frame.Frame, origin bool) string {
	if f.Destination == a.name {
		a.deliver(f)
		return ""
	}
	nh, ok := a.routes[f.Destination]
	if !ok {
		return a.drop(f, agent.ReasonNoRoute, nil)
	}
	if a.foreign[f.Destination] || a.foreign[nh] {
		return a.drop(f, agent.ReasonNoAgent, nil)
	}
	l := a.links[nh]
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
	if r := a.enqueueBurst(l, f); r != "" {
		if counted {
			a.cnt.forwarded.Add(^uint64(0))
		}
		return a.drop(f, r, nil)
	}
	if counted && !f.Quiet {
		a.event(slog.LevelInfo, agent.EvForward, "forward to "+nh, peerAttr(nh), idAttr(f.ID), bytesAttr(len(f.Payload)),
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
		a.event(slog.LevelInfo, agent.EvDeliver, "delivered from "+f.Source, peerAttr(f.Source), idAttr(f.ID),
			bytesAttr(len(f.Payload)), pathAttr(f.Path), textAttr(f.Payload))
	}
	a.notify(f)
	if f.WantReceipt {
		a.answer(f, true, "")
	}
}

func (a *Agent) notify(f *frame.Frame) {
	if a.o.onDeliver == nil {
		return
	}
	a.o.onDeliver(Message{ID: formatID(f.ID), From: f.Source, To: f.Destination, Path: append([]string(nil), f.Path...),
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
		a.event(slog.LevelWarn, agent.EvDrop, f.Type.String()+" dropped: "+reason, idAttr(f.ID), reasonAttr(reason),
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
	attrs := []slog.Attr{idAttr(f.ID), reasonAttr(reason), bytesAttr(size),
		slog.String("from", f.Source), slog.String("to", f.Destination), pathAttr(f.Path)}
	if err != nil {
		attrs = append(attrs, errAttr(err))
	}
	a.event(slog.LevelWarn, agent.EvDrop, "dropped: "+reason, attrs...)
	if f.WantReceipt && reason != agent.ReasonStopped {
		a.answer(f, false, reason)
	}
	return reason
}

// dropQueued drops a frame that left (or never left) a link's queue.
func (a *Agent) dropQueued(h held, l *link, reason string, err error) {
	f := h.hdr
	if f == nil {
		return // a hello
	}
	if f.Type == frame.Data && f.Destination == frame.Broadcast {
		a.event(slog.LevelWarn, agent.EvDrop, "broadcast copy dropped: "+reason, peerAttr(l.name()), idAttr(f.ID), reasonAttr(reason))
		return
	}
	a.dropSized(f, h.size, reason, err)
}

// malformed counts and logs something heard that is not a frame. It is
// counted apart from the drops, since no agent originated it.
func (a *Agent) malformed(from string, err error) {
	a.cnt.malformed.Add(1)
	a.malformedLog.add(from, err.Error())
}

// ignoredLevel is the level of the frames a node sees on a shared segment
// and ignores: info in a small topology, debug in a larger one, where every
// member would log what every other member sends.
func (a *Agent) ignoredLevel() slog.Level {
	if len(a.routes) < smallRing {
		return slog.LevelInfo
	}
	return slog.LevelDebug
}
