package node_test

import (
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
)

// TestOneWayCut cuts what a hub sends spoke1 and nothing else, as topo
// link down --from hub tells both ends (the kernel's filter at spoke1 is
// left out: the hub sends nothing into the cut, not even hellos or acks):
// the hub drops its frames for spoke1 at once as link_down, spoke1's
// frames still reach the hub and are delivered there, both ends say the
// link is one-way, and under background traffic every message ends
// delivered or dropped exactly once. Lifting the cut brings both ways back.
func TestOneWayCut(t *testing.T) {
	s := starSpec("udp", 2)
	s.every = 20 * time.Millisecond
	c := startSpec(t, s)
	c.waitReady()
	hub, spoke := c.agent("hub"), c.agent("spoke1")

	if err := hub.SetFaults(map[string]agent.LinkFault{"spoke1": {Cut: agent.ReasonLinkDown, Direction: agent.CutOut}}); err != nil {
		t.Fatal(err)
	}
	if err := spoke.SetFaults(map[string]agent.LinkFault{"hub": {Cut: agent.ReasonLinkDown, Direction: agent.CutIn}}); err != nil {
		t.Fatal(err)
	}
	if r := c.trySend("hub", "spoke1"); r.Delivered || r.Reason != agent.ReasonLinkDown {
		t.Errorf("send across the cut way: %+v, want dropped as link_down", r)
	}
	before := hub.Stats().Counters.Delivered
	for range 5 {
		if _, err := spoke.Send(t.Context(), "hub", "one way", false); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 10*time.Second, "spoke1's messages delivered at the hub", func() bool {
		return hub.Stats().Counters.Delivered >= before+5
	})
	// Long past the dead interval, the ends still say one-way, not down.
	time.Sleep(2 * time.Second)
	for _, end := range []struct{ a, nb, fault string }{{"hub", "spoke1", "cut out: link_down"}, {"spoke1", "hub", "cut in: link_down"}} {
		if nb := neighbor(c.agent(end.a), end.nb); nb.State != agent.LinkOneWay || nb.Fault != end.fault {
			t.Errorf("%s's link to %s: %+v, want one-way, %q", end.a, end.nb, nb, end.fault)
		}
	}
	settle(t, c)
	dropped := uint64(0)
	for n, st := range c.stats() {
		for reason, k := range st.Counters.DroppedByReason {
			if reason != agent.ReasonLinkDown {
				t.Errorf("%s dropped %d as %s, want link_down only", n, k, reason)
			}
		}
		dropped += st.Counters.Dropped
	}
	if dropped == 0 {
		t.Error("nothing dropped across the cut way")
	}

	for _, a := range []string{"hub", "spoke1"} {
		if err := c.agent(a).SetFaults(nil); err != nil {
			t.Fatal(err)
		}
	}
	c.send("hub", "spoke1")
	c.send("spoke1", "hub")
}

// settle turns the background traffic off and waits until every message
// originated has been delivered or dropped, once.
func settle(t *testing.T, c *cluster) {
	t.Helper()
	for _, n := range c.order {
		c.agent(n).SetTraffic(false)
	}
	var orig, done uint64
	eventually(t, 15*time.Second, "traffic to settle", func() bool {
		orig, done = 0, 0
		for _, s := range c.stats() {
			orig += s.Counters.Originated
			done += s.Counters.Delivered + s.Counters.Dropped
		}
		return orig == done
	})
	time.Sleep(time.Second) // a drop counted twice would show now
	orig, done = 0, 0
	for _, s := range c.stats() {
		orig += s.Counters.Originated
		done += s.Counters.Delivered + s.Counters.Dropped
	}
	if orig != done {
		t.Errorf("books: %d originated, %d delivered or dropped", orig, done)
	}
}
