package node_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
)

// A burst arrives whole, counted at every node on its way, and logs one
// send event and its last message's receipt rather than events a message.
func TestBurst(t *testing.T) {
	const n = 3000
	for _, tc := range []struct {
		name, from, to string
		spec           func() *spec
		hops           int
	}{
		{"star tcp", "spoke1", "spoke2", func() *spec { return starSpec("tcp", 2) }, 2},
		{"star udp", "spoke1", "spoke2", func() *spec { return starSpec("udp", 2) }, 2},
		{"ring", "r1", "r3", func() *spec { return ringSpec("tcp", 4) }, 2},
		{"bus", "n1", "n3", func() *spec { return busSpec(3) }, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := startSpec(t, tc.spec())
			c.waitReady()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			r, err := c.agent(tc.from).Burst(ctx, tc.to, "tick", n)
			if err != nil {
				t.Fatal(err)
			}
			if !r.Delivered || r.Count != n || r.Arrived != n || r.PerSecond <= 0 || len(r.Path) != tc.hops+1 {
				t.Fatalf("receipt %+v, want the last of %d delivered in %d hops, all %d arrived, with a rate", r, n, tc.hops, n)
			}
			waitCount(t, func() uint64 { return c.agent(tc.to).Stats().Counters.Delivered }, n)
			if got := c.agent(tc.from).Stats().Counters.Originated; got != n {
				t.Errorf("originated %d, want %d", got, n)
			}
			if got := len(c.node(tc.to).logs.events(agent.EvDeliver)); got != 0 {
				t.Errorf("%d deliver events for a burst, want none", got)
			}
			sends := c.node(tc.from).logs.events(agent.EvSend)
			if len(sends) != 1 || !strings.HasPrefix(sends[0]["msg"].(string), "burst of 3000") {
				t.Errorf("send events %v, want the burst's alone", sends)
			}
			if got := len(c.node(tc.from).logs.events(agent.EvReceipt)); got != 1 {
				t.Errorf("%d receipt events, want the last message's", got)
			}
			for name, m := range c.nodes {
				if ev := m.logs.events(agent.EvForward); len(ev) > 0 {
					t.Errorf("%s logged %d forward events for a burst, want none", name, len(ev))
				}
			}
		})
	}
}

func TestBurstRefusals(t *testing.T) {
	c := startSpec(t, starSpec("tcp", 2))
	c.waitReady()
	a := c.agent("spoke1")
	for _, tc := range []struct {
		to   string
		n    int
		want string
	}{
		{"spoke2", 0, "want 1 to"},
		{"*", 10, "to one node"},
		{"", 10, "no destination"},
	} {
		if _, err := a.Burst(context.Background(), tc.to, "x", tc.n); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Burst(%q, %d): %v, want %q", tc.to, tc.n, err, tc.want)
		}
	}
	r, err := a.Burst(context.Background(), "nowhere", "x", 10)
	if err != nil || r.Delivered || r.Reason != agent.ReasonNoRoute || r.Count != 0 {
		t.Errorf("burst to an unknown node: %+v, %v; want no_route after 0 messages", r, err)
	}
}

func waitCount(t *testing.T, get func() uint64, want uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for get() < want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := get(); got != want {
		t.Fatalf("counted %d, want %d", got, want)
	}
}
