package link

import (
	"context"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/ack"
	"github.com/topo-dev/topo/node/internal/frame"
)

// TestLateAckRevokesDrop: a frame in flight when its link went down is
// counted as dropped, with the link's reason; its ack, coming later (a
// neighbour that was paused), takes the drop back, so that the frame,
// delivered after all, is not counted twice.
func TestLateAckRevokesDrop(t *testing.T) {
	for _, tc := range []struct {
		name, downWhy, want string
	}{
		{"cut", "silent for 4s", agent.ReasonLinkDown},
		{"bye", "bye", agent.ReasonNodeDown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, l := agentWithLinkUp(t)
			f := a.newData("b", []byte("hi"), false)

			l.sending(hold(f, nil))
			if n := a.Stats().InFlight; n != 1 {
				t.Fatalf("in flight %d, want 1", n)
			}
			l.settle(time.Now(), false)
			if c := a.Stats().Counters; c.Dropped != 0 {
				t.Fatalf("dropped %v with the link up and the ack not yet due", c.DroppedByReason)
			}

			l.mu.Lock()
			l.setUp(false, tc.downWhy)
			l.mu.Unlock()
			l.settle(time.Now(), false)
			st := a.Stats()
			if st.InFlight != 0 || st.Counters.DroppedByReason[tc.want] != 1 {
				t.Fatalf("after the link went down: in flight %d, dropped %v; want 0 and one %s",
					st.InFlight, st.Counters.DroppedByReason, tc.want)
			}

			l.Acked(keyOf(f))
			c := a.Stats().Counters
			if c.Dropped != 0 || c.Revoked != 1 {
				t.Errorf("after the late ack: dropped %v, revoked %d; want none dropped, one revoked", c.DroppedByReason, c.Revoked)
			}
			l.Acked(keyOf(f))
			if c := a.Stats().Counters; c.Revoked != 1 {
				t.Errorf("a second ack revoked again: %d", c.Revoked)
			}
		})
	}
}

// TestUnackedOnLinkUp: a frame that the neighbour never acknowledges,
// while its link stays up, is dropped as unacked once the wait (here longer
// than the link's dead interval, 1.5s) and twice the link's delay are
// over, not before.
func TestUnackedOnLinkUp(t *testing.T) {
	cfg := &agent.Config{Version: agent.ConfigVersion, Name: "a", Layout: LayoutP2P, Port: 7000,
		Traffic:   agent.Traffic{Protocol: "udp"},
		Segments:  []agent.Segment{{Name: "ab", Addr: "127.0.0.1", Impairment: agent.Impairment{Delay: agent.Duration(time.Second)}}},
		Neighbors: []agent.Neighbor{{Name: "b", Addr: "127.0.0.1", Port: 7001}},
		Routes:    map[string]string{"b": "b"}}
	a, err := newTestNet(cfg, WithAckWait(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	l := a.links["b"]
	l.mu.Lock()
	l.setUp(true, "")
	l.mu.Unlock()
	f := a.newData("b", []byte("hi"), false)
	l.sending(hold(f, nil))
	sent := time.Now()
	l.settle(sent.Add(3900*time.Millisecond), false)
	if n := l.InFlight(); n != 1 {
		t.Fatalf("dropped before 2s + 2×1s delay: in flight %d", n)
	}
	l.settle(sent.Add(4100*time.Millisecond), false)
	if c := a.Stats().Counters; c.DroppedByReason[agent.ReasonUnacked] != 1 || l.InFlight() != 0 {
		t.Errorf("after the wait: dropped %v, in flight %d; want one unacked", c.DroppedByReason, l.InFlight())
	}
}

// TestReackOnLinkUp: acks sent in the last ack.ReackWithin go again when the
// link comes back up, in case the cut that took it down swallowed them;
// older ones do not.
func TestReackOnLinkUp(t *testing.T) {
	cfg := &agent.Config{Version: agent.ConfigVersion, Name: "a", Layout: LayoutP2P, Port: 7000,
		Traffic:   agent.Traffic{Protocol: "tcp"},
		Segments:  []agent.Segment{{Name: "ab", Addr: "127.0.0.1"}},
		Neighbors: []agent.Neighbor{{Name: "b", Addr: "127.0.0.1", Port: 7001}},
		Routes:    map[string]string{"b": "b"}}
	a, err := newTestNet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l := a.links["b"]
	l.ledger.Remember(ack.Key{Src: "b", ID: 1}, 1, time.Now().Add(-2*ack.ReackWithin)) // had long ago
	f := &frame.Frame{Type: frame.Data, ID: 2, Source: "b", Destination: "a", NextHop: "a", Path: []string{"b"}}
	a.Ack(f, l)
	if len(l.acks) != 1 {
		t.Fatalf("%d acks waiting, want 1", len(l.acks))
	}
	l.acks = nil
	l.Reack()
	if len(l.acks) != 1 {
		t.Fatalf("%d acks sent again, want the 1 recent one", len(l.acks))
	}
	f, err = frame.Decode(l.acks[0][4:])
	if err != nil || f.Type != frame.Ack || f.Ref != 2 || string(f.Payload) != "b" {
		t.Errorf("ack sent again: %+v, %v; want the ack of b's message 2", f, err)
	}
}

// TestAckLoopSleepsWhenIdle: with nothing in any ledger the ack loop stops
// ticking, and a frame entered then wakes it, so that it is still settled
// on time: here dropped as link_down when its link goes down.
func TestAckLoopSleepsWhenIdle(t *testing.T) {
	a, l := agentWithLinkUp(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.ackLoop(ctx) }()
	defer func() { cancel(); <-done }()

	waitFor(t, "the idle ack loop to sleep", func() bool { return !a.ackArmed.Load() })
	f := a.newData("b", []byte("hi"), false)

	l.sending(hold(f, nil))
	l.mu.Lock()
	l.setUp(false, "silent for 4s")
	l.mu.Unlock()
	waitFor(t, "the frame settled as link_down", func() bool {
		return a.Stats().Counters.DroppedByReason[agent.ReasonLinkDown] == 1
	})
	if !a.ackArmed.Load() {
		t.Error("the ack loop sleeps while a drop may still be taken back")
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 3s for %s", what)
		}
	}
}

// oneLinkConfig is agent a's config with one link, to b, over protocol.
func oneLinkConfig(protocol string) *agent.Config {
	return &agent.Config{Version: agent.ConfigVersion, Name: "a", Layout: LayoutP2P, Port: 7000,
		Traffic:   agent.Traffic{Protocol: protocol},
		Segments:  []agent.Segment{{Name: "ab", Addr: "127.0.0.1"}},
		Neighbors: []agent.Neighbor{{Name: "b", Addr: "127.0.0.1", Port: 7001}},
		Routes:    map[string]string{"b": "b"}}
}

// agentWithLinkUp is an agent a, not running, whose UDP link to b is up.
func agentWithLinkUp(t *testing.T) (*testNet, *Link) {
	t.Helper()
	a, err := newTestNet(oneLinkConfig("udp"))
	if err != nil {
		t.Fatal(err)
	}
	l := a.links["b"]
	l.mu.Lock()
	l.setUp(true, "")
	l.mu.Unlock()
	return a, l
}
