package node_test

import (
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
)

// TestRuntimeFaults puts faults on a hub's link to a spoke at runtime: a
// cut drops what goes to the spoke at once, with the cut's reason, and
// shows in stats; an impairment delays the hub's frames to it; lifting
// them restores the link; a fault for a node that is no neighbour is
// refused.
func TestRuntimeFaults(t *testing.T) {
	for _, proto := range []string{"tcp", "udp"} {
		t.Run(proto, func(t *testing.T) {
			c := startSpec(t, starSpec(proto, 2))
			c.waitReady()
			hub := c.agent("hub")

			if err := hub.SetFaults(map[string]agent.LinkFault{"spoke1": {Cut: agent.ReasonPartition}}); err != nil {
				t.Fatal(err)
			}
			if r := c.trySend("hub", "spoke1"); r.Delivered || r.Reason != agent.ReasonPartition {
				t.Errorf("send across a cut link: %+v, want dropped as partition", r)
			}
			if r := c.trySend("spoke2", "spoke1"); r.Delivered || r.Reason != agent.ReasonPartition {
				t.Errorf("send relayed across a cut link: %+v, want dropped as partition", r)
			}
			if nb := neighbor(hub, "spoke1"); nb.State != "down" || nb.Fault != "cut: partition" {
				t.Errorf("stats of the cut link: %+v", nb)
			}
			if r := c.send("hub", "spoke2"); !r.Delivered {
				t.Errorf("send on another link: %+v", r)
			}

			delay := 300 * time.Millisecond
			imp := agent.Impairment{Delay: agent.Duration(delay)}
			if err := hub.SetFaults(map[string]agent.LinkFault{"spoke1": {Impairment: &imp}}); err != nil {
				t.Fatal(err)
			}
			r := c.send("hub", "spoke1")
			if !r.Delivered || r.RTTMs < float64(delay.Milliseconds()) {
				t.Errorf("send on an impaired link: %+v, want delivered after %v", r, delay)
			}
			if nb := neighbor(hub, "spoke1"); nb.State != "up" || !strings.HasPrefix(nb.Fault, "impaired: ") {
				t.Errorf("stats of the impaired link: %+v", nb)
			}

			if err := hub.SetFaults(nil); err != nil {
				t.Fatal(err)
			}
			if r := c.send("hub", "spoke1"); !r.Delivered || r.RTTMs >= float64(delay.Milliseconds()) {
				t.Errorf("send after the faults are lifted: %+v", r)
			}
			if nb := neighbor(hub, "spoke1"); nb.Fault != "" {
				t.Errorf("fault %q left after lifting", nb.Fault)
			}
			if err := hub.SetFaults(map[string]agent.LinkFault{"nobody": {Cut: agent.ReasonLinkDown}}); err == nil ||
				!strings.Contains(err.Error(), "no link to nobody") {
				t.Errorf("fault for no neighbour: %v", err)
			}
			if err := hub.SetFaults(map[string]agent.LinkFault{"spoke1": {Cut: "gremlins"}}); err == nil {
				t.Error("a cut for no known reason was taken")
			}
		})
	}
}

func neighbor(a interface{ Stats() agent.Stats }, name string) agent.NeighborStats {
	for _, nb := range a.Stats().Neighbors {
		if nb.Name == name {
			return nb
		}
	}
	return agent.NeighborStats{}
}
