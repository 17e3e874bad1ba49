package link

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/ack"
	"github.com/topo-dev/topo/node/internal/frame"
	"github.com/topo-dev/topo/node/internal/shaper"
)

// What package transport, which binds and reads the sockets, asks of a
// link and of the links' Env.

// Kind is how the link reaches its neighbour.
func (l *Link) Kind() Kind { return l.kind }

// Neighbor is the neighbour, as the config names it.
func (l *Link) Neighbor() agent.Neighbor { return l.nb }

// Peer is the neighbour's address and port.
func (l *Link) Peer() netip.AddrPort { return l.peer }

// Seg is the segment the link is on.
func (l *Link) Seg() Segment { return l.seg }

// Attach makes c the link's connection, closing any older one.
func (l *Link) Attach(c net.Conn) { l.attach(c) }

// Detach drops c, after err, if it is still the link's connection.
func (l *Link) Detach(c net.Conn, err error) { l.detach(c, err) }

// CloseConn closes the current connection at shutdown.
func (l *Link) CloseConn() { l.closeConn() }

// SawBye takes the link down after the neighbour said bye.
func (l *Link) SawBye() { l.sawBye() }

// HeardFrom notes a datagram from the neighbour, a hello or not, and
// reports whether the link came up.
func (l *Link) HeardFrom(hello bool) bool { return l.heardFrom(hello) }

// Acked takes the frame k off the ledger: the neighbour acknowledged it.
func (l *Link) Acked(k ack.Key) { l.acked(k) }

// Reack sends again the acks of the last ack.ReackWithin.
func (l *Link) Reack() { l.reack() }

// SayBye sends f, a bye, to the neighbour at once, around the queue: on
// the TCP connection, or in a datagram. On a shared segment it does
// nothing: one bye put on the segment is for every member.
func (l *Link) SayBye(f *frame.Frame) error {
	switch l.kind {
	case TCP:
		return l.sayBye(f)
	case UDP:
		b, err := frame.Encode(f)
		if err == nil {
			err = l.seg.SendTo(b, l.peer)
		}
		return err
	}
	return nil
}

// HelloDue takes a datagram link that has been silent for its dead
// interval down, and reports whether it is up and whether a hello to it
// is due (a UDP link's, which it then counts as sent).
func (l *Link) HelloDue(now time.Time) (up, due bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.up && now.Sub(l.heard) > l.dead && l.fault.Direction != agent.CutIn {
		l.setUp(false, "silent")
	}
	up = l.up
	// Hellos into a cut the neighbour never hears (a one-way cut's, which
	// the kernel drops; in a test without the kernel's filter they would
	// make the neighbour think the link works both ways).
	due = (!up || now.Sub(l.helloT) >= l.a.o.HelloUp) && l.fault.Direction != agent.CutOut
	if due && l.kind == UDP {
		l.helloT = now
	}
	return up, due
}

// StartWriter runs a TCP link's write loop, from start to stop, on ctx.
func (l *Link) StartWriter(ctx context.Context, spawn func(func() error)) {
	l.writer = true
	spawn(func() error { return l.writeLoop(ctx) })
}

// Push hands the frame f, encoded as b, to sh, to leave on l (nil: put
// on the segment); f nil is a hello. It returns a drop reason or "".
func Push(sh *shaper.Shaper[Shaped], f *frame.Frame, b []byte, l *Link, lossy bool) string {
	h := held{b: b}
	if f != nil {
		h = hold(f, b)
	}
	return push(sh, Shaped{held: h, l: l}, lossy)
}

// NewShaper is a shaper of imp for what leaves on seg.
func NewShaper(a *Env, seg Segment, imp agent.Impairment) *shaper.Shaper[Shaped] {
	return newShaper(a, seg, imp)
}

// HelloGate runs send, a hello's, unless the node said bye.
func (a *Env) HelloGate(send func() error) error { return a.helloGate(send) }

// Bye runs say, which says bye, with hellos held back, and lets no hello
// leave afterwards, so that none can bring a neighbour's link back.
func (a *Env) Bye(say func()) {
	a.byeMu.Lock()
	defer a.byeMu.Unlock()
	a.said = true
	say()
}

// Stop stops the idle links' write loops and settles every ledger as the
// agent stops.
func (a *Env) Stop() {
	a.stopIdleLinks()
}

// SettleAll counts what every ledger still holds as stopped.
func (a *Env) SettleAll() { a.settleAll() }

// InFlight reports whether a frame sent on a link still waits for its ack:
// a stopping agent lingers for those acks, since a frame its neighbour
// took but that it counts as stopped would be counted twice.
func (a *Env) InFlight() bool {
	return slices.ContainsFunc(a.allLinks(), func(l *Link) bool { return l.InFlight() > 0 })
}
