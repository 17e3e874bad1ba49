package node_test

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/internal/wiring"
	"github.com/topo-dev/topo/topology"
)

// planConfigs builds the node configs the orchestrator would, from a
// topology file, with every node on its own loopback addresses.
func planConfigs(t *testing.T, yaml string) (*topology.Plan, map[string]*agent.Config, []string) {
	t.Helper()
	topo, err := topology.Parse("test.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := topology.BuildPlan(topo, topology.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	addrs := map[[2]string]netip.Addr{}
	remap := func(n, seg string, _ netip.Addr) (netip.Addr, int) {
		k := [2]string{n, seg}
		if _, ok := addrs[k]; !ok {
			addrs[k] = nextAddr()
		}
		return addrs[k], 7000
	}
	cfgs := map[string]*agent.Config{}
	var order []string
	for _, pn := range plan.Nodes {
		cfg, err := wiring.NodeConfig(plan, pn.Name, wiring.Options{Remap: remap, NoBroadcast: true})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Traffic.Interval = 0
		cfgs[pn.Name] = cfg
		order = append(order, pn.Name)
	}
	return plan, cfgs, order
}

// planPath follows the plan's routes from one node to another.
func planPath(p *topology.Plan, from, to string) []string {
	path := []string{from}
	for at := from; at != to && len(path) <= len(p.Nodes); {
		n, _ := p.Node(at)
		at = n.Routes[to]
		path = append(path, at)
	}
	return path
}

// TestPlans runs topologies built from files through the planner and the
// wiring, and checks that every message takes the planned path.
func TestPlans(t *testing.T) {
	for name, yaml := range map[string]string{
		"star-udp":      "layout: star\nnodes: 4\ntraffic: {protocol: udp}\n",
		"ring":          "layout: ring\nnodes: 4\n",
		"bus":           "layout: bus\nnodes: 4\n",
		"p2p":           "layout: p2p\nnodes: 3\n",
		"client-server": "layout: client-server\nnodes: [c1, {name: web, role: server}, c2, c3]\n",
		"custom": `layout: custom
nodes: [a, b, c, d, e]
links:
  - [a, b]
  - [b, c, d]
  - [d, e]
traffic: {protocol: udp}
`,
	} {
		t.Run(name, func(t *testing.T) {
			plan, cfgs, order := planConfigs(t, yaml)
			c := startConfigs(t, cfgs, order)
			c.waitReady()
			for _, a := range order {
				for _, b := range order {
					if a == b {
						continue
					}
					if got, want := c.send(a, b).Path, planPath(plan, a, b); !slices.Equal(got, want) {
						t.Errorf("%s → %s took %v, plan says %v", a, b, got, want)
					}
				}
			}
		})
	}
}
