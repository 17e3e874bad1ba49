package node

import (
	"net"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/frame"
)

// TestIdleLinkWritesInline: a frame for an idle TCP link is written by
// the goroutine that queues it, so no write loop runs in this test.
func TestIdleLinkWritesInline(t *testing.T) {
	cfg := &agent.Config{Version: agent.ConfigVersion, Name: "a", Layout: LayoutP2P, Port: 7000,
		Traffic:   agent.Traffic{Protocol: "tcp"},
		Segments:  []agent.Segment{{Name: "ab", Addr: "127.0.0.1"}},
		Neighbors: []agent.Neighbor{{Name: "b", Addr: "127.0.0.1", Port: 7001}},
		Routes:    map[string]string{"b": "b"}}
	a, err := New(cfg, WithControlSocket(""))
	if err != nil {
		t.Fatal(err)
	}
	l := a.links["b"]
	mine, theirs := net.Pipe()
	defer func() { _ = mine.Close(); _ = theirs.Close() }()
	l.attach(mine)

	queued := make(chan string, 1)
	go func() { queued <- l.enqueue(a.newData("b", []byte("hi"), false)) }()
	_ = theirs.SetReadDeadline(time.Now().Add(3 * time.Second))
	b, err := frame.ReadRaw(theirs)
	if err != nil {
		t.Fatalf("nothing written without a write loop: %v", err)
	}
	f, err := frame.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if f.Type != frame.Data || string(f.Payload) != "hi" {
		t.Fatalf("wrote %v %q, want the data frame", f.Type, f.Payload)
	}
	if r := <-queued; r != "" {
		t.Fatalf("enqueue: %s", r)
	}
	if n := len(l.q); n != 0 {
		t.Fatalf("%d frames left queued", n)
	}
}
