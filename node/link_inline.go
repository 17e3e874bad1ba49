package node

import (
	"errors"
	"net"
	"syscall"
	"time"
)

// writeOrPoke writes what waits on an idle link from the goroutine that
// queued it: handing it to a write loop costs a thread's wake-up, and a
// datagram link's loop runs only while frames wait (lazy.go). A TCP link
// writes so only what the socket takes at once (writeInline). While a
// write is under way, or for what is left, it wakes the write loop.
func (l *link) writeOrPoke() {
	if l.wmu.TryLock() {
		if l.kind == kindTCP {
			l.writeInline()
		} else {
			l.drain()
		}
		left := l.rest != nil
		l.wmu.Unlock()
		l.mu.Lock()
		left = left || len(l.q) > 0 || len(l.acks) > 0
		l.mu.Unlock()
		if !left {
			return
		}
	}
	l.poke()
}

// writeInline writes a TCP link's waiting acks and the frame just queued
// from the goroutine that queued them, when the socket takes them at
// once: handing them to the write loop costs a thread's wake-up on every
// hop. It never waits for room in the socket (a reader that forwards must
// not block on another neighbour): what the socket does not take at once
// is left to the write loop, a frame's remainder first. Frames are left to
// the loop when more than one waits (the loop is behind), or when the link
// has a shaper, which writes from its own goroutine. Call with l.wmu held.
func (l *link) writeInline() {
	l.mu.Lock()
	if l.kind != kindTCP || !l.up || l.conn == nil || l.rest != nil || len(l.q) > 1 || l.shaperNow() != nil {
		l.mu.Unlock()
		return
	}
	conn, acks := l.conn, l.acks
	l.acks = nil
	l.mu.Unlock()
	for i, b := range acks {
		if !l.sendInline(conn, b) || l.rest != nil {
			if l.rest != nil {
				i++ // cut short, but on its way
			}
			l.mu.Lock()
			l.acks = append(acks[i:], l.acks...)
			l.mu.Unlock()
			return
		}
	}
	l.mu.Lock()
	if len(l.q) != 1 {
		l.mu.Unlock()
		return
	}
	item := l.popLocked()
	l.mu.Unlock()
	l.sending(item)
	if !l.sendInline(conn, item.b) { // the loop writes it, sealed again under a new number
		l.unsend(item)
		l.pushFront(item)
	}
}

// sendInline seals b and writes it on conn without waiting for room. It
// reports whether any of it went: all of it, or a part, whose rest the
// write loop sends first. Call with l.wmu held.
func (l *link) sendInline(conn net.Conn, b []byte) bool {
	sealed := l.seg.sealStream(b)
	n := tryWrite(conn, sealed)
	switch {
	case n == 0:
		return false
	case n < len(sealed):
		l.rest, l.restConn = sealed[n:], conn
	default:
		l.wrote.Store(time.Now().UnixNano())
	}
	return true
}

// finishRest writes what the socket did not take of an inline write,
// before anything else goes on the connection. A remainder for an older
// connection is dropped with it: its frame is in flight on a link that
// went down, which the acks account for. It reports whether the link
// can go on writing. Call with l.wmu held.
func (l *link) finishRest(conn net.Conn) bool {
	rest, on := l.rest, l.restConn
	l.rest, l.restConn = nil, nil
	if rest == nil || on != conn || conn == nil {
		return true
	}
	_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write(rest); err != nil {
		l.detach(conn, err)
		return false
	}
	l.wrote.Store(time.Now().UnixNano())
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
