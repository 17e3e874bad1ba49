package node

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
)

// TestEnqueueAfterWriterStopped hands a link a frame after its writer has
// exited, as a reader still running at shutdown may: it is dropped as
// stopped, so originated = delivered + dropped still holds.
func TestEnqueueAfterWriterStopped(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	cfg := &agent.Config{Version: agent.ConfigVersion, Name: "a", Layout: LayoutP2P, Port: port,
		Traffic:   agent.Traffic{Protocol: "tcp"},
		Segments:  []agent.Segment{{Name: "ab", Addr: "127.0.0.1"}},
		Neighbors: []agent.Neighbor{{Name: "b", Addr: "127.0.0.1", Port: port}}, // b never dials in
		Routes:    map[string]string{"b": "b"}}
	a, err := New(cfg, WithControlSocket(""))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for !a.running.Load() {
		if time.Now().After(deadline) {
			t.Fatal("agent did not start")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	if r := a.originate(a.newData("b", []byte("late"), false)); r != agent.ReasonStopped {
		t.Errorf("frame for a stopped link: reason %q, want %q", r, agent.ReasonStopped)
	}
	c := a.Stats().Counters
	if c.Originated != 1 || c.Dropped != 1 || c.DroppedByReason[agent.ReasonStopped] != 1 {
		t.Errorf("counters %+v, want one originated and dropped as stopped", c)
	}
	if n := a.Stats().Neighbors[0].Queued; n != 0 {
		t.Errorf("%d frames left queued on a stopped link", n)
	}
}
