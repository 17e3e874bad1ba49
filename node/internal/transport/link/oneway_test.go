package link

import (
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
)

// TestOneWayByAcks: a datagram link that stays up (the neighbour's hellos
// arrive) but whose frames go unacknowledged is one-way, not up, from the
// first frame lost so; an ack makes it up again; a link that goes down and
// comes back starts afresh.
func TestOneWayByAcks(t *testing.T) {
	a, l := agentWithLinkUp(t)
	state := func() string { t.Helper(); return l.Stats().State }
	f := a.newData("b", []byte("hi"), false)
	l.sending(hold(f, nil))
	sent := time.Now()
	if s := state(); s != "up" {
		t.Fatalf("with a frame in flight: %s, want up", s)
	}
	l.settle(sent.Add(time.Hour), false)
	if c := a.Stats().Counters; c.DroppedByReason[agent.ReasonUnacked] != 1 {
		t.Fatalf("dropped %v, want one unacked", c.DroppedByReason)
	}
	if s := state(); s != agent.LinkOneWay {
		t.Errorf("after a frame went unacknowledged on a link that is up: %s, want one-way", s)
	}
	g := a.newData("b", []byte("again"), false)
	l.sending(hold(g, nil))
	l.Acked(keyOf(g))
	if s := state(); s != "up" {
		t.Errorf("after an ack: %s, want up", s)
	}

	h := a.newData("b", []byte("lost"), false)
	l.sending(hold(h, nil))
	l.settle(time.Now().Add(time.Hour), false)
	l.mu.Lock()
	l.setUp(false, "silent")
	l.setUp(true, "")
	l.mu.Unlock()
	if s := state(); s != "up" {
		t.Errorf("after the link went down and came back: %s, want up", s)
	}
}
