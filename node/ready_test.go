package node_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node"
)

// Every node logs the ready event once its last link is up, with the
// number of its links, and again when a link that went down is back:
// `topo up` waits for it in the log.
func TestReadyEventLogged(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec *spec
	}{
		{"star tcp", starSpec("tcp", 3)},
		{"ring udp", ringSpec("udp", 4)},
		{"bus", busSpec(4)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := startSpec(t, tc.spec, testOptions()...)
			defer c.stopAll()
			c.waitReady()
			for _, n := range c.order {
				eventually(t, 5*time.Second, n+" logs ready", func() bool { return len(c.node(n).logs.events(agent.EvReady)) == 1 })
				ev := c.node(n).logs.events(agent.EvReady)[0]
				if want := len(c.agent(n).Stats().Neighbors); ev["links"] != float64(want) {
					t.Errorf("%s: ready with links=%v, want %d", n, ev["links"], want)
				}
			}
		})
	}
}

func TestReadyEventAgainAfterLinkBack(t *testing.T) {
	c := startSpec(t, starSpec("tcp", 2), testOptions()...)
	defer c.stopAll()
	c.waitReady()
	hub := c.order[0]
	spoke := c.order[1]
	eventually(t, 5*time.Second, "hub ready", func() bool { return len(c.node(hub).logs.events(agent.EvReady)) == 1 })
	c.stop(spoke)
	eventually(t, 10*time.Second, "hub sees the spoke gone", func() bool { return !c.agent(hub).Ready() })
	c.start(spoke)
	eventually(t, 10*time.Second, "hub ready again", func() bool { return len(c.node(hub).logs.events(agent.EvReady)) == 2 })
}

// An agent logs its stats as an event when told to (a large topology's
// agents do by default), which reads back as its stats summarised.
func TestStatsEventLogged(t *testing.T) {
	c := startSpec(t, busSpec(3), append(testOptions(), node.WithStatsEvery(20*time.Millisecond))...)
	defer c.stopAll()
	c.waitReady()
	n := c.order[0]
	var sum agent.StatsSummary
	eventually(t, 5*time.Second, "a stats event that says ready", func() bool {
		evs := c.node(n).logs.events(agent.EvStats)
		if len(evs) == 0 {
			return false
		}
		b, _ := json.Marshal(evs[len(evs)-1])
		s, err := agent.StatsOf(agent.ParseEvent(n, string(b)))
		sum = s
		return err == nil && s.Ready
	})
	if len(sum.Links) != 2 || len(sum.Down) != 0 {
		t.Errorf("stats event: %+v, want 2 links, none down", sum)
	}
}

// A small topology's agents do not log it; a large one's do, every
// agent.StatsEvery.
func TestStatsEventOnlyInLargeTopology(t *testing.T) {
	for _, tc := range []struct {
		nodes int
		want  time.Duration
	}{{3, 0}, {agent.StatsNodes - 1, 0}, {agent.StatsNodes, agent.StatsEvery}} {
		cfg := busSpec(tc.nodes).configs()["n1"]
		a, err := node.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := node.StatsEvery(a); got != tc.want {
			t.Errorf("bus of %d: stats every %v, want %v", tc.nodes, got, tc.want)
		}
	}
}

// A node that logs stats logs them as it gets ready, so that status, which
// reads the latest, does not show it unready for up to an interval.
func TestStatsEventAsReady(t *testing.T) {
	c := startSpec(t, busSpec(3), append(testOptions(), node.WithStatsEvery(time.Hour))...)
	defer c.stopAll()
	c.waitReady()
	n := c.order[0]
	eventually(t, 5*time.Second, n+" logs its stats as it gets ready", func() bool {
		for _, ev := range c.node(n).logs.events(agent.EvStats) {
			b, _ := json.Marshal(ev)
			if s, err := agent.StatsOf(agent.ParseEvent(n, string(b))); err == nil && s.Ready {
				return true
			}
		}
		return false
	})
}
