package node_test

import (
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
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
