package link

import (
	"context"
	"net"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/frame"
)

// writeLoop sends queued frames while the link is up and drops those that
// waited too long for it.
func (l *Link) writeLoop(ctx context.Context) error {
	timer := time.NewTimer(writeTick(l.a.o))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			l.mu.Lock()
			l.stopped = true
			l.mu.Unlock()
			l.expire(time.Time{}, agent.ReasonStopped)
			return nil
		case <-l.wake:
		case now := <-timer.C:
			l.mu.Lock()
			why := l.downReason()
			l.mu.Unlock()
			l.expire(now.Add(-l.a.o.QueueWait), why)
			l.wmu.Lock()
			l.beat(now)
			l.wmu.Unlock()
		}
		l.wmu.Lock()
		l.drain()
		l.wmu.Unlock()
		if l.mustTick() {
			timer.Reset(writeTick(l.a.o))
		} else {
			timer.Stop()
			if ctx.Err() == nil && l.retire() { // once stopping, the loop stops its link
				return nil
			}
		}
	}
}

// mustTick reports whether the write loop must look at the clock: a TCP
// link writes heartbeats, and a queue holds frames that may expire. A
// datagram link with nothing queued sleeps until a frame is queued (which
// wakes it): a bus of 250 has 62,000 such links, and each waking once a
// minute woke every agent four times a second.
func (l *Link) mustTick() bool {
	l.mu.Lock()
	queued := len(l.q) > 0
	l.mu.Unlock()
	return l.kind == TCP || queued
}

// writeTick is how often a link's write loop looks at the clock: often
// enough to write heartbeats on time, and to drop a frame that waited too
// long within a quarter of its wait (so 3.75s at most by default, well
// inside DefaultSendTimeout).
func writeTick(o Options) time.Duration {
	return max(min(time.Second, o.Heartbeat, o.QueueWait/4), 10*time.Millisecond)
}

// beat writes a hello on a TCP link's connection when nothing has been
// written on it for a heartbeat interval, so that the neighbour, which
// reads with a deadline, tells an idle link from a dead one. It goes
// around the queue and the shaper: it carries nothing, and must not wait
// behind frames that the impairment holds back.
func (l *Link) beat(now time.Time) {
	// A remainder of an inline write goes first (drain), and is as good
	// as a hello.
	if l.kind != TCP || l.rest != nil || now.Sub(time.Unix(0, l.wrote.Load())) < l.a.o.Heartbeat {
		return
	}
	l.mu.Lock()
	conn, up := l.conn, l.up
	l.mu.Unlock()
	if !up || conn == nil {
		return
	}
	b, err := frame.EncodeStream(l.a.Hello(l.Name()))
	if err == nil {
		err = l.write(conn, b)
	}
	if err != nil {
		l.detach(conn, err)
	}
}

// drain sends queued frames while the link is up: through the segment's
// shaper when it has one, else at once.
func (l *Link) drain() {
	if l.rest != nil {
		l.mu.Lock()
		conn := l.conn
		l.mu.Unlock()
		if !l.finishRest(conn) {
			return
		}
	}
	for {
		l.mu.Lock()
		conn, acks := l.conn, len(l.acks) > 0
		l.mu.Unlock()
		if acks && conn != nil && !l.writeAcks(conn) {
			return
		}
		if l.windowFull() {
			return // acks (windowOpened) or the ledger's settling wake the loop
		}
		l.mu.Lock()
		if !l.up || len(l.q) == 0 {
			l.mu.Unlock()
			return
		}
		conn = l.conn
		sh := l.shaperNow()
		if sh == nil && l.kind == TCP {
			batch := l.popBatchLocked()
			l.mu.Unlock()
			if !l.writeBatch(conn, batch) {
				return
			}
			continue
		}
		item := l.popLocked()
		l.mu.Unlock()
		if sh != nil {
			if r := push(sh, Shaped{held: item, l: l}, true); r != "" {
				l.a.dropQueued(item, l, r, nil)
			}
			continue
		}
		if r := l.confirm(); r != "" {
			l.a.dropQueued(item, l, r, nil)
			continue
		}
		l.sending(item) // a datagram: lost when it cannot go
		if err := l.write(conn, item.b); err != nil {
			l.unsend(item)
			l.a.dropQueued(item, l, agent.ReasonLinkDown, err)
		}
	}
}

func (l *Link) write(conn net.Conn, b []byte) error {
	switch l.kind {
	case TCP:
		if conn == nil {
			return net.ErrClosed
		}
		return l.writeStream(conn, l.seg.Sealer().Stream(b))
	case UDP:
		return l.seg.SendTo(b, l.peer)
	default:
		return l.seg.Put(b)
	}
}

// writeStream writes bytes already sealed on a TCP connection, waiting
// at most tcpWriteWait for room, and notes when it did.
func (l *Link) writeStream(conn net.Conn, sealed []byte) error {
	_ = conn.SetWriteDeadline(time.Now().Add(tcpWriteWait))
	_, err := conn.Write(sealed)
	if err == nil {
		l.wrote.Store(time.Now().UnixNano())
	}
	return err
}

// tcpWriteWait is how long a TCP write waits for a neighbour that does
// not read before the connection is taken for dead.
const tcpWriteWait = 5 * time.Second

// writeNow writes b at once on the link's current connection (tcp) or
// socket, for a shaper whose frame's time has come. A failed connection
// is detached, as the write loop does.
func (l *Link) writeNow(b []byte) error {
	var conn net.Conn
	if l.kind == TCP {
		l.mu.Lock()
		conn = l.conn
		l.mu.Unlock()
	}
	err := l.write(conn, b)
	if err != nil && conn != nil {
		l.detach(conn, err)
	}
	return err
}
