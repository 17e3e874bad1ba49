package node

import "github.com/topo-dev/topo/agent"

// table is what a node's config says of the rest of the topology, as the
// agent routes by it: made from the config at start, and anew by every
// reconfiguration.
type table struct {
	routes map[string]string
	// foreign holds the nodes that run a user's own image; foreignLinks
	// are the neighbours among them, as stats shows them.
	foreign      map[string]bool
	foreignLinks []agent.NeighborStats
	targets      []string // background traffic destinations
	ttl          uint8    // hop budget of the messages it originates
}

func (a *Agent) tab() *table { return a.tb.Load() }

// newTable is the table of cfg, whose foreign nodes are foreign, once the
// links are made.
func (a *Agent) newTable(cfg *agent.Config, foreign map[string]bool) *table {
	t := &table{routes: cfg.Routes, foreign: foreign}
	if t.routes == nil {
		t.routes = map[string]string{}
	}
	for _, nb := range cfg.Neighbors {
		if foreign[nb.Name] {
			t.foreignLinks = append(t.foreignLinks, foreignLink(nb))
		}
	}
	t.targets = trafficTargets(cfg, t.routes, foreign, func(n string) bool { return a.net.Link(n) != nil })
	t.ttl = hopBudget(cfg, len(t.routes))
	return t
}
