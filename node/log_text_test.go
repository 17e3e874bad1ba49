package node_test

import (
	"testing"

	"github.com/topo-dev/topo/agent"
)

// A deliver event shows the first bytes of the message, so that a user
// finds their own among the background traffic.
func TestDeliverShowsText(t *testing.T) {
	c := startSpec(t, p2pSpec("tcp", 2))
	c.waitReady()
	c.send("p1", "p2")
	evs := c.node("p2").logs.events(agent.EvDeliver)
	if len(evs) == 0 || evs[len(evs)-1][agent.FieldText] != "hello p2" {
		t.Errorf("deliver events: %v", evs)
	}
}
