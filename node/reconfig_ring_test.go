package node_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
)

// withAddrs gives cfgs the addresses from has on the segments both have,
// as the orchestrator keeps a running segment's subnet and addresses.
func withAddrs(cfgs, has map[string]*agent.Config) {
	addrs := map[[2]string]string{} // (segment, node) → address
	for name, c := range has {
		for _, s := range c.Segments {
			addrs[[2]string{s.Name, name}] = s.Addr
		}
	}
	for name, c := range cfgs {
		for i, s := range c.Segments {
			if a, ok := addrs[[2]string{s.Name, name}]; ok {
				c.Segments[i].Addr, c.Segments[i].Subnet = a, a+"/32"
			}
		}
		for i, nb := range c.Neighbors {
			if a, ok := addrs[[2]string{nb.Segment, nb.Name}]; ok {
				c.Neighbors[i].Addr = a
			}
		}
	}
}

// TestReconfigureRingGrowsAndShrinks: a running ring of 4 takes a fifth
// node in place (#26), then gives it back: the nodes whose ring
// neighbours change are rewired as they run, the token goes round through
// the newcomer and back to the leader, which made it once and made one
// again at most, for the token lost on the link removed (no second token
// lives on: none is dropped as stale), messages follow the new ring, and
// the books balance, the node taken out included.
func TestReconfigureRingGrowsAndShrinks(t *testing.T) {
	four := ringSpec("tcp", 4).configs()
	five := ringSpec("tcp", 5).configs()
	withAddrs(five, four)
	c := startConfigs(t, four, []string{"r1", "r2", "r3", "r4"})
	c.waitReady()
	assertPath(t, c.send("r3", "r1").Path, "r3", "r4", "r1")

	marks := tokenMarks(c)
	c.reconfigure(five)
	c.cfgs["r5"] = five["r5"]
	c.order = append(c.order, "r5")
	c.start("r5")
	c.waitReady()
	eventually(t, 20*time.Second, "the token to pass r5 and come back to the leader", func() bool {
		from5 := slices.ContainsFunc(c.node("r1").logs.events(agent.EvToken)[marks["r1"]:], func(ev map[string]any) bool {
			return ev["msg"] == "token from r5"
		})
		return from5
	})
	assertPath(t, c.send("r3", "r1").Path, "r3", "r4", "r5", "r1")
	if n := tokenEvents(c, "stale token dropped", marks) + tokenEvents(c, "token superseded", marks); n != 0 {
		t.Errorf("a second token lived on after the ring grew: %d stale or superseded", n)
	}
	if n := tokenEvents(c, "token lost, re-created", marks); n > 1 {
		t.Errorf("the leader made the token again %d times after the ring grew, want once at most", n)
	}

	// A broadcast goes round the new ring: from r4 through r5, its new
	// successor, to every node.
	if r, err := c.agent("r4").Send(context.Background(), agent.Broadcast, "to all", true); err != nil || !r.Queued {
		t.Fatalf("broadcast from r4: %+v, %v", r, err)
	}
	eventually(t, 5*time.Second, "the broadcast to reach r5, r1, r2 and r3", func() bool {
		for _, n := range []string{"r5", "r1", "r2", "r3"} {
			if c.agent(n).Stats().Counters.BroadcastDelivered != 1 {
				return false
			}
		}
		return true
	})

	marks = tokenMarks(c)
	r5 := c.agent("r5")
	shrunk := ringSpec("tcp", 4).configs()
	withAddrs(shrunk, four)
	c.reconfigure(shrunk)
	c.stop("r5")
	eventually(t, 20*time.Second, "the token to come back to the leader from r4", func() bool {
		return slices.ContainsFunc(c.node("r1").logs.events(agent.EvToken)[marks["r1"]:], func(ev map[string]any) bool {
			return ev["msg"] == "token from r4"
		})
	})
	assertPath(t, c.send("r3", "r1").Path, "r3", "r4", "r1")
	c.balanced(r5.Stats())
}
