package link

import (
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/ack"
	"github.com/topo-dev/topo/node/internal/evlog"
	"github.com/topo-dev/topo/node/internal/frame"
	"github.com/topo-dev/topo/node/internal/shaper"
)

// Kind is how a link reaches its neighbour.
type Kind int

const (
	TCP    Kind = iota // one long-lived connection per pair
	UDP                // datagrams to the neighbour, liveness by hellos
	Shared             // datagrams put on a shared segment once
)

func (k Kind) String() string { return [...]string{"tcp", "udp", "shared"}[k] }

// maxDatagram is the largest UDP payload IPv4 carries.
const maxDatagram = 65507

// Link is this node's side of the link to one neighbour: its state and the
// bounded queue of frames waiting to go out on it. One writer goroutine per
// link drains the queue while the link is up.
type Link struct {
	a    *Env
	nb   agent.Neighbor
	seg  Segment
	kind Kind
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
	// removed is set when a reconfiguration took the link out
	// (remove.go): it drops what it is given as removed.
	removed bool
	// writer is set while a write loop runs. A TCP link's runs from start
	// to stop; a datagram link's only while frames wait in q (lazy.go).
	writer bool

	// Acknowledgements (ack.go): the ledger of what the link sent and
	// had, and the acks waiting to go on a TCP link.
	ledger ack.Ledger[held]
	acks   [][]byte

	// Runtime faults (faults.go): what topo said of the link, and the
	// link's own shaper, once a runtime impairment made one.
	fault agent.LinkFault
	rt    *shaper.Shaper[Shaped]

	// unacked is set when a frame went unacknowledged while the link was
	// up, and cleared by an ack or the link going down (oneway.go).
	unacked bool
}

// New is the link of kind to the neighbour nb on seg, which is in doubt
// after silence of doubt and down after dead (datagram links).
func New(a *Env, nb agent.Neighbor, seg Segment, kind Kind, doubt, dead time.Duration) (*Link, error) {
	addr, err := netip.ParseAddr(nb.Addr)
	if err != nil {
		return nil, err
	}
	port := nb.Port
	if port == 0 {
		port = agent.DefaultPort
	}
	l := &Link{a: a, nb: nb, seg: seg, kind: kind, peer: netip.AddrPortFrom(addr, uint16(port)),
		wake: make(chan struct{}, 1), since: time.Now(), doubt: doubt, dead: dead}
	a.linksMu.Lock()
	a.links = append(a.links, l)
	a.linksMu.Unlock()
	return l, nil
}

func (l *Link) Name() string { return l.nb.Name }

func (l *Link) poke() {
	if l.kind != TCP {
		l.ensureWriter()
	}
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *Link) IsUp() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.up
}

func (l *Link) Stats() agent.NeighborStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := "down"
	switch {
	case l.fault.OneWay() || l.unanswered():
		st = agent.LinkOneWay
	case l.up && l.fault.Cut == "":
		st = "up"
	}
	return agent.NeighborStats{Name: l.nb.Name, Addr: l.nb.Addr, Segment: l.seg.Name(), Transport: l.kind.String(),
		State: st, Since: l.since, Queued: len(l.q), QueuedBytes: l.qBytes, Fault: l.faultText()}
}

// Backlog is how many frames wait to go on the link: in its queue, in its
// shaper's (an impaired link holds them there) and, on a datagram link,
// those sent and not yet acknowledged (its window).
func (l *Link) Backlog() int {
	l.mu.Lock()
	n, sh := len(l.q), l.shaperNow()
	l.mu.Unlock()
	if sh != nil {
		n += sh.Backlog()
	}
	if l.kind != TCP {
		n += l.InFlight()
	}
	return n
}

// Datagram reports whether the link carries datagrams (UDP or a shared
// segment) rather than a TCP stream: what it carries is bounded by
// agent.MaxDatagramPayload.
func (l *Link) Datagram() bool { return l.kind != TCP }

// Shared reports whether the link is on a shared segment, where a frame
// put on the segment reaches every member.
func (l *Link) Shared() bool { return l.kind == Shared }

// enqueue puts f in the link's queue, encoded; the queue keeps the
// encoding and f's header, not f. It returns a drop reason, or "".
func (l *Link) Enqueue(f *frame.Frame) string { return l.put(f, false) }

// enqueueIfUp is enqueue for a frame that must not wait for a link that
// is down (the ring's token): it returns link_down instead.
func (l *Link) EnqueueIfUp(f *frame.Frame) string { return l.put(f, true) }

func (l *Link) put(f *frame.Frame, ifUp bool) string {
	var b []byte
	var err error
	if l.kind == TCP {
		b, err = frame.EncodeStream(f)
	} else {
		b, err = frame.Encode(f)
		if err == nil && len(b) > l.seg.Sealer().Room(maxDatagram) {
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
	case l.removed:
		reason = agent.ReasonRemoved
	case l.stopped:
		reason = agent.ReasonStopped
	case l.cutOut() != "":
		reason = l.cutOut()
	case ifUp && !l.up:
		reason = l.downReason()
	case len(l.q) >= l.a.o.QueueSize:
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
		if l.kind == TCP {
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
func (l *Link) popLocked() held {
	h := l.q[0]
	l.q[0] = held{}
	l.q = l.q[1:]
	l.qBytes -= h.cost()
	l.a.queued.give(h.cost())
	return h
}

// pushFront puts h back at the head of the queue, after a write failed.
func (l *Link) pushFront(h held) {
	l.mu.Lock()
	l.q = append([]held{h}, l.q...)
	l.qBytes += h.cost()
	l.a.queued.force(h.cost())
	l.mu.Unlock()
}

// setUp changes the link state and logs the change. Call with l.mu held.
func (l *Link) setUp(up bool, why string) bool {
	if l.up == up {
		return false
	}
	l.up, l.since = up, time.Now()
	if !up {
		l.unacked = false
		reason := agent.ReasonLinkDown
		if why == "bye" {
			reason = agent.ReasonNodeDown
		}
		l.ledger.Down(reason)
	}
	state := "down"
	level := slog.LevelWarn
	if up {
		state, level = "up", slog.LevelInfo
	}
	attrs := []slog.Attr{evlog.Peer(l.nb.Name), slog.String("segment", l.seg.Name()), slog.String("transport", l.kind.String())}
	if why != "" {
		attrs = append(attrs, evlog.Reason(why))
	}
	l.a.event(level, agent.EvLink, "link to "+l.nb.Name+" "+state, attrs...)
	l.a.h.LinkChanged(up)
	return true
}

// attach makes c the link's connection, closing any older one.
func (l *Link) attach(c net.Conn) {
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
func (l *Link) detach(c net.Conn, err error) {
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
func (l *Link) closeConn() {
	l.mu.Lock()
	c := l.conn
	l.mu.Unlock()
	if c != nil {
		_ = c.Close()
	}
}

// expire drops queued frames older than before (all, when before is zero).
func (l *Link) expire(before time.Time, reason string) {
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

func (l *Link) String() string {
	return l.nb.Name + "@" + net.JoinHostPort(l.nb.Addr, strconv.Itoa(int(l.peer.Port())))
}
