package link

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/topo-dev/topo/node/internal/ack"
	"github.com/topo-dev/topo/node/internal/frame"
)

// countingConn counts the writes on a connection, and fails them when
// told to.
type countingConn struct {
	*net.TCPConn
	writes int
	fail   error
}

func (c *countingConn) Write(b []byte) (int, error) {
	c.writes++
	if c.fail != nil {
		return 0, c.fail
	}
	return c.TCPConn.Write(b)
}

// countedLink is tcpLink with the link's end of the pair counted.
func countedLink(t *testing.T, fail error) (a *testNet, l *Link, conn *countingConn, theirs *net.TCPConn) {
	t.Helper()
	a, err := newTestNet(oneLinkConfig("tcp"))
	if err != nil {
		t.Fatal(err)
	}
	l = a.links["b"]
	mine, theirs := tcpPair(t)
	conn = &countingConn{TCPConn: mine, fail: fail}
	l.Attach(conn)
	return a, l, conn, theirs
}

// queueHeld queues n frames for b while the link is busy writing (l.wmu
// held), so that none is written inline, and returns their IDs in order.
func queueHeld(t *testing.T, a *testNet, l *Link, n int, quiet bool) []uint64 {
	t.Helper()
	l.wmu.Lock()
	defer l.wmu.Unlock()
	var ids []uint64
	for range n {
		f := a.newData("b", []byte("a small message"), false)
		f.Quiet = quiet
		if r := l.Enqueue(f); r != "" {
			t.Fatalf("enqueue: %s", r)
		}
		ids = append(ids, f.ID)
	}
	return ids
}

// Frames that queued while the link was writing go out in one write, in
// order, and the neighbour reads every one whole.
func TestWriteLoopWritesQueuedFramesTogether(t *testing.T) {
	a, l, conn, theirs := countedLink(t, nil)
	ids := queueHeld(t, a, l, 100, false)
	l.wmu.Lock()
	l.drain()
	l.wmu.Unlock()
	if conn.writes != 1 {
		t.Errorf("%d writes for 100 small frames, want 1", conn.writes)
	}
	_ = theirs.SetReadDeadline(time.Now().Add(3 * time.Second))
	got := readFrames(t, theirs, len(ids))
	if len(got) != len(ids) {
		t.Fatalf("neighbour read %d frames of %d", len(got), len(ids))
	}
	for i, f := range got {
		if f.ID != ids[i] {
			t.Fatalf("frame %d is %d, want %d: out of order", i, f.ID, ids[i])
		}
	}
}

// A write that fails puts its frames back at the head of the queue, in
// order, for the next connection, and lets the failed one go.
func TestFailedBatchGoesBackInOrder(t *testing.T) {
	a, l, _, _ := countedLink(t, errors.New("broken pipe"))
	ids := queueHeld(t, a, l, 10, false)
	l.wmu.Lock()
	l.drain()
	l.wmu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil {
		t.Error("the failed connection is still attached")
	}
	if len(l.q) != len(ids) {
		t.Fatalf("%d frames queued after the failure, want %d", len(l.q), len(ids))
	}
	for i, h := range l.q {
		if h.hdr.ID != ids[i] {
			t.Fatalf("queued frame %d is %d, want %d", i, h.hdr.ID, ids[i])
		}
	}
}

// A burst's frames (quiet) are never written inline, one system call a
// frame: they wait for the write loop, which writes many at once.
func TestQuietFramesGoToTheWriteLoop(t *testing.T) {
	a, l, _, _ := tcpLink(t)
	f := a.newData("b", []byte("x"), false)
	f.Quiet = true
	if r := l.Enqueue(f); r != "" {
		t.Fatalf("enqueue: %s", r)
	}
	n := queuedLen(l)
	if n != 1 {
		t.Fatalf("%d frames queued, want the quiet one, for the write loop", n)
	}
}

// Acks that waited go out in one write too, and the neighbour reads each.
func TestWaitingAcksGoOutTogether(t *testing.T) {
	a, l, conn, theirs := countedLink(t, nil)
	const n = 50
	for i := range n {
		a.sendAck(l, ack.Key{Src: "c", ID: uint64(i + 1)})
	}
	l.wmu.Lock()
	l.drain()
	l.wmu.Unlock()
	if conn.writes != 1 {
		t.Errorf("%d writes for %d acks, want 1", conn.writes, n)
	}
	_ = theirs.SetReadDeadline(time.Now().Add(3 * time.Second))
	got := readFrames(t, theirs, n)
	for i, f := range got {
		if f.Type != frame.Ack || f.Ref != uint64(i+1) {
			t.Fatalf("frame %d: %v ref %d, want ack %d", i, f.Type, f.Ref, i+1)
		}
	}
	if len(got) != n {
		t.Fatalf("neighbour read %d acks of %d", len(got), n)
	}
}
