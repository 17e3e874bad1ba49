package node

import (
	"net"
	"testing"
	"time"
)

// TestTCPFramesWaitForTheWriteLoop: a frame for a TCP link is never
// written by the goroutine that queues it, which may be a reader that
// forwarded it: a neighbour whose socket is full would stall that reader,
// and with it everything the reader's own neighbour sends. Here no write
// loop runs, and nothing may be written.
func TestTCPFramesWaitForTheWriteLoop(t *testing.T) {
	a, err := New(oneLinkConfig("tcp"), WithControlSocket(""))
	if err != nil {
		t.Fatal(err)
	}
	l := a.links["b"]
	mine, theirs := net.Pipe() // a write blocks until read: a full socket
	defer func() { _ = mine.Close(); _ = theirs.Close() }()
	l.attach(mine)

	queued := make(chan string, 1)
	go func() { queued <- l.enqueue(a.newData("b", []byte("hi"), false)) }()
	select {
	case r := <-queued:
		if r != "" {
			t.Fatalf("enqueue: %s", r)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("enqueue blocked on the neighbour's connection")
	}
	l.mu.Lock()
	n := len(l.q)
	l.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d frames queued, want the one, for the write loop", n)
	}
}
