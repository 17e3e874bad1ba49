package node_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node"
)

// without is cfgs as they are for the topology without the node gone, the
// way the orchestrator plans it: the segments only gone was on with
// another node go, gone leaves the shared ones, and nobody has it as a
// neighbour, a member or a route.
func without(cfgs map[string]*agent.Config, gone string) map[string]*agent.Config {
	own := map[string]bool{}
	for _, s := range cfgs[gone].Segments {
		if !s.Shared {
			own[s.Name] = true
		}
	}
	out := map[string]*agent.Config{}
	for name, c := range cfgs {
		if name == gone {
			continue
		}
		n := *c
		n.Segments = nil
		for _, s := range c.Segments {
			if own[s.Name] {
				continue
			}
			s.Members = slices.DeleteFunc(slices.Clone(s.Members), func(m agent.Neighbor) bool { return m.Name == gone })
			n.Segments = append(n.Segments, s)
		}
		n.Neighbors = slices.DeleteFunc(slices.Clone(c.Neighbors), func(nb agent.Neighbor) bool { return nb.Name == gone })
		n.Routes = maps.Clone(c.Routes)
		delete(n.Routes, gone)
		out[name] = &n
	}
	return out
}

// reconfigure hands every running node its config of cfgs.
func (c *cluster) reconfigure(cfgs map[string]*agent.Config) {
	c.t.Helper()
	for _, n := range slices.Sorted(maps.Keys(cfgs)) {
		m := c.node(n)
		if m == nil {
			continue
		}
		if _, err := m.agent.Reconfigure(context.Background(), cfgs[n]); err != nil {
			c.t.Fatalf("reconfigure %s: %v", n, err)
		}
		c.cfgs[n] = cfgs[n]
	}
}

// balanced waits, with background traffic off, until every message
// originated (by the nodes running and those in stopped) was delivered or
// dropped, and returns the drops by reason.
func (c *cluster) balanced(stopped ...agent.Stats) map[string]uint64 {
	c.t.Helper()
	for _, n := range c.order {
		if m := c.node(n); m != nil {
			m.agent.SetTraffic(false)
		}
	}
	var orig, done uint64
	drops := map[string]uint64{}
	defer func() {
		if c.t.Failed() {
			c.t.Logf("originated %d, delivered or dropped %d; drops %v; stats %+v", orig, done, drops, c.stats())
		}
	}()
	eventually(c.t, 15*time.Second, "the books to balance", func() bool {
		orig, done, drops = 0, 0, map[string]uint64{}
		all := slices.Collect(maps.Values(c.stats()))
		for _, s := range append(all, stopped...) {
			orig += s.Counters.Originated
			done += s.Counters.Delivered + s.Counters.Dropped
			for r, k := range s.Counters.DroppedByReason {
				drops[r] += k
			}
		}
		return orig == done
	})
	return drops
}

// TestReconfigureStar grows a running star by a spoke and then takes
// another out, in place: the hub and the spokes kept run on, the new spoke
// is reached, frames waiting for the spoke taken out are dropped as
// removed, and every message is accounted for.
func TestReconfigureStar(t *testing.T) {
	for _, proto := range []string{"tcp", "udp"} {
		t.Run(proto, func(t *testing.T) {
			s := starSpec(proto, 5)
			s.every = 20 * time.Millisecond
			all := s.configs()
			before := without(all, "spoke5")
			order := []string{"hub", "spoke1", "spoke2", "spoke3", "spoke4"}
			c := startConfigs(t, before, order, withLongQueueWait())
			c.waitReady()
			hub := c.agent("hub")

			c.reconfigure(all)
			c.cfgs["spoke5"] = all["spoke5"]
			c.order = append(c.order, "spoke5")
			c.start("spoke5")
			c.waitReady()
			assertPath(t, c.send("spoke1", "spoke5").Path, "spoke1", "hub", "spoke5")
			assertPath(t, c.send("spoke5", "spoke2").Path, "spoke5", "hub", "spoke2")

			spoke4 := c.agent("spoke4")
			c.stop("spoke4")
			for range 3 {
				if _, err := hub.Send(context.Background(), "spoke4", "to the spoke going", false); err != nil {
					t.Fatal(err)
				}
			}
			after := without(all, "spoke4")
			c.reconfigure(after)
			if c.agent("hub") != hub {
				t.Fatal("the hub was replaced")
			}
			for _, nb := range hub.Stats().Neighbors {
				if nb.Name == "spoke4" {
					t.Errorf("the hub still has a link to spoke4: %+v", nb)
				}
			}
			if r := c.trySend("hub", "spoke4"); r.Delivered || r.Reason != agent.ReasonNoRoute {
				t.Errorf("send to the spoke taken out: %+v, want no_route", r)
			}
			c.send("spoke3", "spoke5")
			drops := c.balanced(spoke4.Stats())
			if proto == "tcp" && drops[agent.ReasonRemoved] < 3 {
				t.Errorf("dropped %v, want at least the 3 queued for spoke4 as removed", drops)
			}
			if got := c.node("hub").logs.events(agent.EvReconfig); len(got) != 2 {
				t.Errorf("hub logged %d reconfig events, want 2", len(got))
			}
		})
	}
}

// withLongQueueWait keeps frames queued for a link that is down for a
// minute, so that a test's reconfiguration finds them there.
func withLongQueueWait() node.Option { return node.WithQueue(256, time.Minute) }

// TestReconfigureBus adds a member to a running bus, a shared segment, and
// takes another out: the members kept learn the newcomer without a
// restart and the books balance.
func TestReconfigureBus(t *testing.T) {
	s := busSpec(5)
	s.every = 20 * time.Millisecond
	all := s.configs()
	c := startConfigs(t, without(all, "n5"), []string{"n1", "n2", "n3", "n4"})
	c.waitReady()
	c.reconfigure(all)
	c.cfgs["n5"] = all["n5"]
	c.order = append(c.order, "n5")
	c.start("n5")
	c.waitReady()
	assertPath(t, c.send("n1", "n5").Path, "n1", "n5")
	assertPath(t, c.send("n5", "n3").Path, "n5", "n3")

	n2 := c.agent("n2")
	c.reconfigure(without(all, "n2"))
	c.stop("n2")
	if r := c.trySend("n1", "n2"); r.Delivered || r.Reason != agent.ReasonNoRoute {
		t.Errorf("send to the member taken out: %+v, want no_route", r)
	}
	if n := len(c.agent("n5").Stats().Neighbors); n != 3 {
		t.Errorf("n5 has %d neighbours, want 3", n)
	}
	c.send("n4", "n5")
	c.balanced(n2.Stats())
}

// TestReconfigureRefused: a config that changes what a running node cannot
// change is refused with the reason, and the node runs on as it was.
func TestReconfigureRefused(t *testing.T) {
	all := starSpec("tcp", 2).configs()
	c := startConfigs(t, all, []string{"hub", "spoke1", "spoke2"})
	c.waitReady()
	moved := *all["spoke1"]
	moved.Segments = slices.Clone(moved.Segments)
	moved.Segments[0].Addr = "127.0.0.9"
	for _, tc := range []struct {
		name string
		cfg  agent.Config
		want string
	}{
		{"layout", func() agent.Config { x := *all["hub"]; x.Layout = "bus"; return x }(), "layout"},
		{"protocol", func() agent.Config { x := *all["hub"]; x.Traffic.Protocol = "udp"; return x }(), "traffic"},
		{"name", func() agent.Config { x := *all["hub"]; x.Name = "hub2"; return x }(), "name"},
		{"segment moved", moved, "segment hub-spoke1 changed"},
	} {
		node := "hub"
		if tc.name == "segment moved" {
			node = "spoke1"
		}
		_, err := c.agent(node).Reconfigure(context.Background(), &tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming %q", tc.name, err, tc.want)
		}
	}
	c.send("spoke1", "spoke2")
}

// TestReconfigureTrafficOff: a config that turns background traffic off,
// as topo up applies it in place beside other changes, is taken; one that
// changes the protocol is not.
func TestReconfigureTrafficOff(t *testing.T) {
	s := starSpec("tcp", 2)
	s.every = 10 * time.Millisecond
	all := s.configs()
	c := startConfigs(t, all, []string{"hub", "spoke1", "spoke2"})
	c.waitReady()
	off := *all["hub"]
	off.Traffic.Interval = 0
	if _, err := c.agent("hub").Reconfigure(context.Background(), &off); err != nil {
		t.Fatalf("traffic turned off: %v", err)
	}
	udp := off
	udp.Traffic.Protocol = "udp"
	if _, err := c.agent("hub").Reconfigure(context.Background(), &udp); err == nil || !strings.Contains(err.Error(), "traffic") {
		t.Errorf("protocol changed with traffic off: %v, want a refusal naming traffic", err)
	}
	c.balanced()
}
