package link

import (
	"net"

	"github.com/topo-dev/topo/node/internal/frame"
)

// maxWriteBatch bounds the bytes of frames a TCP link's write loop seals
// into one write: it writes everything queued at once. Frames that queued
// while the link was writing (a burst, or a hub's traffic while one
// neighbour's socket was full) go out in a few system calls, not one a
// frame: on one link between two containers, a burst's rate was bound by
// a write a frame.
const maxWriteBatch = 32 << 10

// popBatchLocked takes queued frames, oldest first, up to maxWriteBatch
// bytes and at least one. Call with l.mu held.
func (l *Link) popBatchLocked() []held {
	var batch []held
	size := 0
	for len(l.q) > 0 && (len(batch) == 0 || size+len(l.q[0].b) <= maxWriteBatch) {
		size += len(l.q[0].b)
		batch = append(batch, l.popLocked())
	}
	return batch
}

// writeBatch seals frames into one buffer and writes it on a TCP
// connection. It reports whether the link can go on writing: when the
// write fails, the frames go back to the head of the queue, in order, for
// the next connection, and this one is detached.
func (l *Link) writeBatch(conn net.Conn, batch []held) bool {
	if r := l.confirm(); r != "" {
		for _, h := range batch {
			l.a.dropQueued(h, l, r, nil)
		}
		return true
	}
	size := 0
	for _, h := range batch {
		size += len(h.b) + frame.TrailerLen
	}
	buf := make([]byte, 0, size)
	for _, h := range batch {
		l.sending(h)
		buf = l.seg.Sealer().AppendStream(buf, h.b)
	}
	err := net.ErrClosed
	if conn != nil {
		err = l.writeStream(conn, buf)
	}
	if err == nil {
		return true
	}
	for i := len(batch) - 1; i >= 0; i-- {
		l.unsend(batch[i])
		l.pushFront(batch[i])
	}
	l.detach(conn, err)
	l.poke() // a newer connection may already be attached
	return false
}
