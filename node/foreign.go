package node

import "github.com/topo-dev/topo/agent"

// foreignNodes are the nodes of the topology that run a user's own image.
func foreignNodes(cfg *agent.Config) map[string]bool {
	out := map[string]bool{}
	for _, n := range cfg.Foreign {
		out[n] = true
	}
	return out
}

// foreignLink is how stats shows a neighbour that runs a user's own image:
// no link of frames, so neither up nor down, and never waited for.
func foreignLink(nb agent.Neighbor) agent.NeighborStats {
	return agent.NeighborStats{Name: nb.Name, Addr: nb.Addr, Segment: nb.Segment, Transport: "none", State: agent.StateForeign}
}
