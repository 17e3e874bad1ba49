package node_test

import (
	"context"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
)

// A hub whose spokes run users' own images is ready without their hellos,
// shows their links as foreign, sends them no background traffic, and
// drops what is sent to them or through them as no_agent.
func TestForeignNeighbours(t *testing.T) {
	cfgs := starSpec("tcp", 3).configs()
	for _, name := range []string{"hub", "spoke1"} {
		cfgs[name].Foreign = []string{"spoke2", "spoke3"}
	}
	c := startConfigs(t, cfgs, []string{"hub", "spoke1"}) // spoke2 and spoke3 run no agent
	c.waitReady()
	states := map[string]string{}
	for _, nb := range c.agent("hub").Stats().Neighbors {
		states[nb.Name] = nb.State
	}
	if states["spoke1"] != "up" || states["spoke2"] != agent.StateForeign || states["spoke3"] != agent.StateForeign {
		t.Errorf("hub's links: %v", states)
	}
	for _, tc := range []struct{ from, to string }{{"hub", "spoke2"}, {"spoke1", "spoke3"}} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		r, err := c.agent(tc.from).Send(ctx, tc.to, "x", true)
		cancel()
		if err != nil || r.Delivered || r.Reason != agent.ReasonNoAgent {
			t.Errorf("%s → %s: %+v, %v; want dropped as no_agent", tc.from, tc.to, r, err)
		}
	}
	c.send("spoke1", "hub")
}
