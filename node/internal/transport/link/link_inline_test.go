package link

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/topo-dev/topo/node/internal/frame"
)

// TestTCPFramesWaitForTheWriteLoop: a frame for a TCP link whose
// connection does not take it at once is left to the write loop, never
// waited for by the goroutine that queues it, which may be a reader that
// forwarded it: a neighbour whose socket is full would stall that reader,
// and with it everything the reader's own neighbour sends. Here no write
// loop runs, the connection (a pipe) takes nothing until read, and the
// frame must stay queued.
func TestTCPFramesWaitForTheWriteLoop(t *testing.T) {
	a, err := newTestNet(oneLinkConfig("tcp"))
	if err != nil {
		t.Fatal(err)
	}
	l := a.links["b"]
	mine, theirs := net.Pipe() // a write blocks until read: a full socket
	defer func() { _ = mine.Close(); _ = theirs.Close() }()
	l.Attach(mine)

	queued := make(chan string, 1)
	go func() { queued <- l.Enqueue(a.newData("b", []byte("hi"), false)) }()
	select {
	case r := <-queued:
		if r != "" {
			t.Fatalf("enqueue: %s", r)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("enqueue blocked on the neighbour's connection")
	}
	n := queuedLen(l)
	if n != 1 {
		t.Fatalf("%d frames queued, want the one, for the write loop", n)
	}
}

// queuedLen is how many frames wait in l's queue.
func queuedLen(l *Link) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.q)
}

// tcpPair is a connected pair of loopback TCP sockets.
func tcpPair(t *testing.T) (mine, theirs *net.TCPConn) {
	t.Helper()
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan *net.TCPConn, 1)
	go func() { c, _ := ln.AcceptTCP(); accepted <- c }()
	mine, err = net.DialTCP("tcp", nil, ln.Addr().(*net.TCPAddr))
	if err != nil {
		t.Fatal(err)
	}
	theirs = <-accepted
	t.Cleanup(func() { _ = mine.Close(); _ = theirs.Close() })
	return mine, theirs
}

// tcpLink is an agent a, not running, whose TCP link l to b runs on mine,
// the near end of a loopback pair; theirs is b's end.
func tcpLink(t *testing.T, opts ...Option) (a *testNet, l *Link, mine, theirs *net.TCPConn) {
	t.Helper()
	a, err := newTestNet(oneLinkConfig("tcp"), opts...)
	if err != nil {
		t.Fatal(err)
	}
	l = a.links["b"]
	mine, theirs = tcpPair(t)
	l.Attach(mine)
	return a, l, mine, theirs
}

// An idle TCP link's frame goes out from the goroutine that queues it,
// when the socket has room: no write loop runs here, and the neighbour
// still reads it.
func TestTCPFrameWrittenInlineWhenTheSocketHasRoom(t *testing.T) {
	a, l, _, theirs := tcpLink(t)
	if r := l.Enqueue(a.newData("b", []byte("hi"), false)); r != "" {
		t.Fatalf("enqueue: %s", r)
	}
	n := queuedLen(l)
	if n != 0 {
		t.Fatalf("%d frames left queued, want none", n)
	}
	_ = theirs.SetReadDeadline(time.Now().Add(3 * time.Second))
	frames := readFrames(t, theirs, 1)
	if len(frames) != 1 {
		t.Fatalf("neighbour read %d frames", len(frames))
	}
}

// When the neighbour stops reading, queueing never blocks: what the
// socket does not take stays for the write loop, which finishes a frame
// cut short before the next, so the stream stays whole. The cut is made
// certain, not hoped for: the first frame is bigger than what the socket,
// empty and with room, takes at once, while the neighbour reads nothing
// until the test says so. Linux takes at most one segment of half the
// window the neighbour offered (32 KiB on a new connection) into a send
// buffer that is full after it.
func TestTCPInlineWriteNeverWaitsForAFullSocket(t *testing.T) {
	a, l, mine, theirs := tcpLink(t, WithQueue(100_000, time.Minute), WithQueueBytes(8<<20, 16<<20))
	// A small send buffer; a receive buffer too small stalls a loopback
	// stream (its window opens too late), so that one stays large.
	if err := mine.SetWriteBuffer(4 << 10); err != nil {
		t.Fatal(err)
	}
	if err := theirs.SetReadBuffer(64 << 10); err != nil {
		t.Fatal(err)
	}
	big := make([]byte, frame.MaxPayload)
	if r := l.Enqueue(a.newData("b", big, false)); r != "" {
		t.Fatalf("enqueue the big frame: %s", r)
	}
	if l.rest == nil {
		t.Fatalf("a frame of %d bytes went out whole on a socket that holds a few KiB", len(big))
	}
	payload := make([]byte, 1500)
	sent := 1
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ; sent < 300; sent++ {
			if r := l.Enqueue(a.newData("b", payload, false)); r != "" {
				t.Errorf("enqueue %d: %s", sent, r)
				return
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("queueing blocked on a full socket")
	}
	// Nothing went out after a remainder: the frames wait, in order.
	if left := queuedLen(l); left != sent-1 {
		t.Fatalf("%d frames queued behind the remainder, want %d", left, sent-1)
	}
	// The write loop's part, while the neighbour reads.
	got := make(chan int, 1)
	go func() {
		_ = theirs.SetReadDeadline(time.Now().Add(10 * time.Second))
		got <- len(readFrames(t, theirs, sent))
	}()
	l.wmu.Lock()
	l.drain()
	l.wmu.Unlock()
	if n := <-got; n != sent {
		t.Fatalf("neighbour read %d whole frames of %d", n, sent)
	}
}

// readFrames reads up to n frames from c and returns those that decode.
func readFrames(t *testing.T, c io.Reader, n int) []*frame.Frame {
	t.Helper()
	var out []*frame.Frame
	for range n {
		b, err := frame.ReadRaw(c)
		if err != nil {
			t.Logf("after %d frames: %v", len(out), err)
			return out
		}
		f, err := frame.Decode(b)
		if err != nil {
			t.Errorf("frame %d: %v", len(out)+1, err)
			return out
		}
		out = append(out, f)
	}
	return out
}

// A bye waits for what is left of a frame cut short, so that it does not
// land inside it.
func TestByeGoesAfterTheRestOfAFrame(t *testing.T) {
	a, l, mine, theirs := tcpLink(t)
	b, err := frame.EncodeStream(a.newData("b", []byte("half of it now, half later"), false))
	if err != nil {
		t.Fatal(err)
	}
	half := len(b) / 2
	if _, err := mine.Write(b[:half]); err != nil {
		t.Fatal(err)
	}
	l.wmu.Lock()
	l.rest, l.restConn = b[half:], mine
	l.wmu.Unlock()
	if err := l.sayBye(a.bye("b")); err != nil {
		t.Fatal(err)
	}
	_ = theirs.SetReadDeadline(time.Now().Add(3 * time.Second))
	frames := readFrames(t, theirs, 2)
	if len(frames) != 2 || frames[0].Type != frame.Data || frames[1].Type != frame.Bye {
		t.Fatalf("neighbour read %+v, want the whole data frame, then the bye", frames)
	}
}
