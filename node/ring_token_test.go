package node_test

import (
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
)

// tokenEvents counts, over the nodes' logs since the given line counts, the
// token events whose message starts with prefix.
func tokenEvents(c *cluster, prefix string, since map[string]int) int {
	n := 0
	for _, name := range c.order {
		m := c.node(name)
		if m == nil {
			continue
		}
		for i, ev := range m.logs.events(agent.EvToken) {
			if msg, _ := ev["msg"].(string); i >= since[name] && strings.HasPrefix(msg, prefix) {
				n++
			}
		}
	}
	return n
}

func tokenMarks(c *cluster) map[string]int {
	out := map[string]int{}
	for _, name := range c.order {
		if m := c.node(name); m != nil {
			out[name] = len(m.logs.events(agent.EvToken))
		}
	}
	return out
}

// TestRingTokenDelay runs a ring of 5 whose links delay everything by
// 600ms: a round takes longer than the 2s the leader used to wait (it then
// made a new token before the old one came back, and dropped the old one
// as stale, round after round), yet the token comes back, made once, and
// no second token circulates (none is ever dropped as stale).
func TestRingTokenDelay(t *testing.T) {
	s := ringSpec("tcp", 5)
	cfgs := s.configs()
	impair(cfgs, agent.Impairment{Delay: agent.Duration(600 * time.Millisecond)})
	c := startConfigs(t, cfgs, order(s))
	c.waitReady()
	// A round back at the leader: 3s at least.
	eventually(t, 20*time.Second, "the token to come back to the leader", func() bool {
		for _, ev := range c.node("r1").logs.events(agent.EvToken) {
			if msg, _ := ev["msg"].(string); msg == "token from r5" {
				return true
			}
		}
		return false
	})
	none := map[string]int{}
	if n := tokenEvents(c, "token created", none); n != 1 {
		t.Errorf("token created %d times, want once", n)
	}
	for _, what := range []string{"token lost, re-created", "stale token dropped", "token superseded"} {
		if n := tokenEvents(c, what, none); n != 0 {
			t.Errorf("%q %d times in a ring that is only slow", what, n)
		}
	}
}

// TestRingTokenNotQueued breaks a ring for longer than the leader's
// timeout, so that the leader makes token after token that cannot get
// past the break, then mends it: none of them was kept to come out once
// the link is back, so only one token goes round (none is dropped as
// stale).
func TestRingTokenNotQueued(t *testing.T) {
	s := ringSpec("tcp", 4)
	c := startSpec(t, s)
	c.waitReady()
	c.stop("r3")
	// The leader's timeout is 2s: after two more, at least two tokens
	// have come to r2 since r3 went (the first may have gone with r3).
	eventually(t, 10*time.Second, "the leader to re-create the token twice", func() bool {
		return tokenEvents(c, "token lost, re-created", map[string]int{}) >= 2
	})
	c.start("r3")
	c.waitReady()
	mark := tokenMarks(c)
	eventually(t, 10*time.Second, "the token to come round twice", func() bool {
		n := 0
		for i, ev := range c.node("r1").logs.events(agent.EvToken) {
			if msg, _ := ev["msg"].(string); i >= mark["r1"] && msg == "token from r4" {
				n++
			}
		}
		return n >= 2
	})
	for _, what := range []string{"stale token dropped", "token superseded"} {
		if n := tokenEvents(c, what, mark); n != 0 {
			t.Errorf("%q %d times once the ring was whole again: more than one token went round", what, n)
		}
	}
	c.send("r2", "r4")
}
