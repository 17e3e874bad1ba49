package node

import (
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/frame"
)

type linkKind int

const (
	kindTCP    linkKind = iota // one long-lived connection per pair
	kindUDP                    // datagrams to the neighbour, liveness by hellos
	kindShared                 // datagrams put on a shared segment once
)

func (k linkKind) String() string { return [...]string{"tcp", "udp", "shared"}[k] }

// maxDatagram is the largest UDP payload IPv4 carries.
const maxDatagram = 65507

// link is this node's side of the link to one neighbour: its state and the
// bounded queue of frames waiting to go out on it. One writer goroutine per
// link drains the queue while the link is up.
type link struct {
	a    *Agent
	nb   agent.Neighbor
	seg  *segment
	kind linkKind
	peer netip.AddrPort // the neighbour's address and port

	wake chan struct{}
	wmu  sync.Mutex // held while frames are written
	// rest is what the socket did not take of an inline write on restConn
	// (link_inline.go), which the write loop finishes first. Guarded by wmu.
	rest     []byte
	restConn net.Conn
	wrote    atomic.Int64 // tcp: when a frame was last written, unix ns

	mu     sync.Mutex
	up     bool
	since  time.Time
	conn   net.Conn  // tcp: the current connection
	heard  time.Time // udp, shared: last frame heard from the neighbour
	helloT time.Time // udp: last hello sent
	bye    bool      // udp, shared: the neighbour said bye; only a hello brings it back
	doubt  time.Duration
	dead   time.Duration
	q      []held
	qBytes int64 // what q costs against the byte bounds
	// stopped is set when the writer has exited: nothing drains q any
	// more, so enqueue drops instead of queueing.
	stopped bool
	// writer is set while a write loop runs. A TCP link's runs from start
	// to stop; a datagram link's only while frames wait in q (lazy.go).
	writer bool

	// Acknowledgements (ack.go): frames sent and not yet acknowledged, drops
	// that an ack may still take back, acks waiting to go on a TCP link,
	// how many times the link went down, and the reason for what was in
	// flight when it last did.
	inflight map[ackKey]flight
	settled  map[ackKey]settledDrop
	acks     [][]byte
	seen     []seenFrame
	seenSet  map[seenKey]struct{}
	epoch    uint64
	downWhy  string

	// Runtime faults (faults.go): what topo said of the link, and the
	// link's own shaper, once a runtime impairment made one.
	fault agent.LinkFault
	rt    *shaper
}

func newLink(a *Agent, nb agent.Neighbor, seg *segment) (*link, error) {
	addr, err := netip.ParseAddr(nb.Addr)
	if err != nil {
		return nil, err
	}
	port := nb.Port
	if port == 0 {
		port = agent.DefaultPort
	}
	l := &link{a: a, nb: nb, seg: seg, peer: netip.AddrPortFrom(addr, uint16(port)),
		wake: make(chan struct{}, 1), since: time.Now()}
	switch {
	case seg.shared:
		l.kind = kindShared
	case a.cfg.Traffic.Protocol == "udp":
		l.kind = kindUDP
	}
	l.doubt, l.dead = livenessBounds(a.o, seg)
	return l, nil
}

func (l *link) name() string { return l.nb.Name }

func (l *link) poke() {
	if l.kind != kindTCP {
		l.ensureWriter()
	}
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *link) isUp() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.up
}

func (l *link) stats() agent.NeighborStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := "down"
	if l.up && l.fault.Cut == "" {
		st = "up"
	}
	return agent.NeighborStats{Name: l.nb.Name, Addr: l.nb.Addr, Segment: l.seg.name, Transport: l.kind.String(),
		State: st, Since: l.since, Queued: len(l.q), QueuedBytes: l.qBytes, Fault: l.faultText()}
}

// enqueue puts f in the link's queue, encoded; the queue keeps the
// encoding and f's header, not f. It returns a drop reason, or "".
func (l *link) enqueue(f *frame.Frame) string { return l.put(f, false) }

// enqueueIfUp is enqueue for a frame that must not wait for a link that
// is down (the ring's token): it returns link_down instead.
func (l *link) enqueueIfUp(f *frame.Frame) string { return l.put(f, true) }

func (l *link) put(f *frame.Frame, ifUp bool) string {
	var b []byte
	var err error
	if l.kind == kindTCP {
		b, err = encodeStream(f)
	} else {
		b, err = frame.Encode(f)
		if err == nil && len(b) > l.seg.datagramRoom() {
			return agent.ReasonOversize
		}
	}
	if err != nil {
		return agent.ReasonOversize // names are checked before, so only size fails
	}
	h := hold(f, b)
	l.mu.Lock()
	reason := ""
	switch {
	case l.stopped:
		reason = agent.ReasonStopped
	case l.fault.Cut != "":
		reason = l.fault.Cut
	case ifUp && !l.up:
		reason = l.downReason()
	case len(l.q) >= l.a.o.queueSize:
		reason = agent.ReasonQueueFull
	default:
		reason = l.a.admit(l.qBytes, h.cost())
	}
	if reason != "" {
		l.mu.Unlock()
		return reason
	}
	l.q = append(l.q, h)
	l.qBytes += h.cost()
	l.mu.Unlock()
	// An idle link's frame is written by the goroutine that routes it:
	// handing it to a write loop costs a thread's wake-up, and a datagram
	// link's loop runs only while frames wait (lazy.go). A TCP link's frame
	// is written so only when the socket takes it at once: a reader that
	// forwards must never block on another neighbour's full socket. While
	// a write is under way, frames queue for the loop.
	if l.wmu.TryLock() {
		if l.kind == kindTCP {
			l.writeInline()
		} else {
			l.drain()
		}
		left := l.rest != nil
		l.wmu.Unlock()
		l.mu.Lock()
		left = left || len(l.q) > 0
		l.mu.Unlock()
		if !left {
			return ""
		}
	}
	l.poke()
	return ""
}

// popLocked takes the head of the queue and releases what it cost. Call
// with l.mu held and the queue not empty.
func (l *link) popLocked() held {
	h := l.q[0]
	l.q[0] = held{}
	l.q = l.q[1:]
	l.qBytes -= h.cost()
	l.a.queued.give(h.cost())
	return h
}

// pushFront puts h back at the head of the queue, after a write failed.
func (l *link) pushFront(h held) {
	l.mu.Lock()
	l.q = append([]held{h}, l.q...)
	l.qBytes += h.cost()
	l.a.queued.force(h.cost())
	l.mu.Unlock()
}

func encodeStream(f *frame.Frame) ([]byte, error) {
	b, err := frame.Append(make([]byte, 4, 128), f)
	if err != nil {
		return nil, err
	}
	n := len(b) - 4
	b[0], b[1], b[2], b[3] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
	return b, nil
}

// setUp changes the link state and logs the change. Call with l.mu held.
func (l *link) setUp(up bool, why string) bool {
	if l.up == up {
		return false
	}
	l.up, l.since = up, time.Now()
	if !up {
		l.epoch++
		l.downWhy = agent.ReasonLinkDown
		if why == "bye" {
			l.downWhy = agent.ReasonNodeDown
		}
	}
	state := "down"
	level := slog.LevelWarn
	if up {
		state, level = "up", slog.LevelInfo
	}
	attrs := []slog.Attr{peerAttr(l.nb.Name), slog.String("segment", l.seg.name), slog.String("transport", l.kind.String())}
	if why != "" {
		attrs = append(attrs, reasonAttr(why))
	}
	l.a.event(level, agent.EvLink, "link to "+l.nb.Name+" "+state, attrs...)
	l.a.linkChanged(up)
	return true
}

// attach makes c the link's connection, closing any older one.
func (l *link) attach(c net.Conn) {
	l.wrote.Store(time.Now().UnixNano()) // the hellos of the handshake
	l.mu.Lock()
	old := l.conn
	l.conn = c
	if old != nil {
		l.up = false // log a fresh "up" for the new connection
	}
	l.setUp(true, "")
	l.mu.Unlock()
	if old != nil {
		_ = old.Close()
	}
	l.reack()
	l.poke()
}

// detach drops c if it is still the link's connection.
func (l *link) detach(c net.Conn, err error) {
	l.mu.Lock()
	if l.conn == c {
		l.conn = nil
		why := ""
		if err != nil {
			why = err.Error()
		}
		l.setUp(false, why)
	}
	l.mu.Unlock()
	_ = c.Close()
}

// closeConn closes the current connection at shutdown.
func (l *link) closeConn() {
	l.mu.Lock()
	c := l.conn
	l.mu.Unlock()
	if c != nil {
		_ = c.Close()
	}
}

// expire drops queued frames older than before (all, when before is zero).
func (l *link) expire(before time.Time, reason string) {
	l.mu.Lock()
	var old []held
	keep := l.q[:0]
	for _, it := range l.q {
		if before.IsZero() || it.at.Before(before) {
			old = append(old, it)
			l.qBytes -= it.cost()
			l.a.queued.give(it.cost())
		} else {
			keep = append(keep, it)
		}
	}
	clear(l.q[len(keep):])
	l.q = keep
	l.mu.Unlock()
	for _, it := range old {
		l.a.dropQueued(it, l, reason, nil)
	}
}

func (l *link) String() string {
	return l.nb.Name + "@" + net.JoinHostPort(l.nb.Addr, strconv.Itoa(int(l.peer.Port())))
}
