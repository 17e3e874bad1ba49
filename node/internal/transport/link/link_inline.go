package link

import (
	"errors"
	"net"
	"syscall"
	"time"
)

// writeInline writes the frame just queued on a TCP link from the
// goroutine that routes it, when the socket takes it at once: handing it
// to the write loop costs a thread's wake-up on every hop. It never waits
// for room in the socket (a reader that forwards must not block on another
// neighbour): what the socket does not take at once is left to the write
// loop, a frame's remainder first. It leaves frames to the loop whenever
// the loop has work of its own (acks, older frames, a remainder), the
// link has a shaper, which writes from its own goroutine, or the frame is
// a burst's (quiet): the loop writes many of those in one system call,
// where inline each takes one. Call with l.wmu held.
func (l *Link) writeInline() {
	l.mu.Lock()
	if l.kind != TCP || !l.up || l.cutOut() != "" || l.conn == nil || len(l.q) != 1 || len(l.acks) > 0 || l.rest != nil || l.shaperNow() != nil ||
		l.q[0].hdr != nil && l.q[0].hdr.Quiet {
		l.mu.Unlock()
		return
	}
	conn := l.conn
	item := l.popLocked()
	l.mu.Unlock()
	sealed := l.seg.Sealer().Stream(item.b)
	l.sending(item)
	n := tryWrite(conn, sealed)
	switch {
	case n == len(sealed):
		l.wrote.Store(time.Now().UnixNano())
	case n == 0: // the loop writes it, sealed again under a new number
		l.unsend(item)
		l.pushFront(item)
	default:
		l.rest, l.restConn = sealed[n:], conn
	}
}

// finishRest writes what the socket did not take of an inline write,
// before anything else goes on the connection. A remainder for an older
// connection is dropped with it: its frame is in flight on a link that
// went down, which the acks account for. It reports whether the link
// can go on writing. Call with l.wmu held.
func (l *Link) finishRest(conn net.Conn) bool {
	rest, on := l.rest, l.restConn
	l.rest, l.restConn = nil, nil
	if rest == nil || on != conn || conn == nil {
		return true
	}
	if err := l.writeStream(conn, rest); err != nil {
		l.detach(conn, err)
		return false
	}
	return true
}

// tryWrite writes b on conn without waiting for room, and returns how
// much the socket took; 0 when it took nothing or failed (the write loop's
// own write then meets the failure and detaches the connection).
func tryWrite(conn net.Conn, b []byte) int {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return 0
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return 0
	}
	// An earlier write's deadline may have passed, which would refuse
	// this one before it is tried.
	if conn.SetWriteDeadline(time.Time{}) != nil {
		return 0
	}
	n := 0
	err = raw.Write(func(fd uintptr) bool {
		for {
			m, werr := syscall.Write(int(fd), b)
			if errors.Is(werr, syscall.EINTR) {
				continue
			}
			if m > 0 {
				n = m
			}
			return true // never wait for the socket
		}
	})
	if err != nil {
		return 0
	}
	return n
}
