package transport

import (
	"context"
	"log/slog"
	"net"
	"strconv"
)

// Start runs what keeps the links: the segments' accept loops, readers and
// shapers, the TCP links' write and dial loops, the hello loop and the ack
// loop, each a function handed to spawn, on ctx.
func (a *Net) Start(ctx context.Context, spawn func(func() error)) {
	a.env.Start(ctx, spawn) // the ack loop, and what links start later
	a.rt.mu.Lock()
	defer a.rt.mu.Unlock()
	a.rt.ctx, a.rt.spawn = ctx, spawn
	a.rt.cancels = map[any]context.CancelFunc{}
	v := a.view()
	for _, s := range v.segs {
		a.startSegment(s)
	}
	for _, l := range v.list {
		a.startLink(l)
	}
}

// Stop ends the links once the agent's context is done: it stops the
// idle ones, says bye, listens a moment longer, settles the ledgers and
// closes every socket.
func (a *Net) Stop() {
	a.stopAll()
	a.env.Stop()
	a.sayBye()
	a.linger()
	a.env.SettleAll()
	a.Close()
}

// Flush writes the summaries of refusals not written yet.
func (a *Net) Flush() {
	a.malformedLog.Flush()
	a.refusedLog.Flush()
	a.noHelloLog.Flush()
	a.strangerLog.Flush()
}

// track registers a connection so that shutdown closes it; it refuses (and
// closes) c once the agent is stopping.
func (a *Net) track(c net.Conn) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closing {
		_ = c.Close()
		return false
	}
	if a.conns == nil {
		a.conns = map[net.Conn]struct{}{}
	}
	a.conns[c] = struct{}{}
	return true
}

func (a *Net) untrack(c net.Conn) {
	a.mu.Lock()
	delete(a.conns, c)
	a.mu.Unlock()
	_ = c.Close()
}

// Close closes every connection and socket.
func (a *Net) Close() {
	a.mu.Lock()
	a.closing = true
	conns := a.conns
	a.conns = nil
	a.mu.Unlock()
	for c := range conns {
		_ = c.Close()
	}
	for _, s := range a.view().segs {
		s.close()
	}
	for _, l := range a.view().list {
		l.CloseConn()
	}
}

// dialTarget is where a link dials its neighbour: by name when it has one
// (resolved again at every dial), else at its address.
func (a *Net) dialTarget(l *Link) string {
	if name, ok := a.o.PeerNames[PeerKey(l.Name(), segOf(l).name)]; ok {
		return net.JoinHostPort(name, strconv.Itoa(int(l.Peer().Port())))
	}
	return l.Peer().String()
}

// PeerKey is the key of Options.PeerNames: a neighbour on a segment.
func PeerKey(name, segment string) string { return name + "\x00" + segment }

// StartAttrs are what the agent's start event says of its segments: their
// addresses, their impairments and whether they are sealed.
func (a *Net) StartAttrs() []slog.Attr {
	addrs := make([]string, 0, len(a.view().segs))
	impaired := map[string]string{}
	for _, s := range a.view().segs {
		addrs = append(addrs, s.name+"="+s.addr.String())
		if s.shaper != nil {
			impaired[s.name] = s.shaper.Impairment().String()
		}
	}
	attrs := []slog.Attr{slog.Any("segments", addrs)}
	if len(impaired) > 0 {
		attrs = append(attrs, slog.Any("impairment", impaired))
	}
	if a.sealed() {
		attrs = append(attrs, slog.Bool("sealed", true))
	}
	return attrs
}
