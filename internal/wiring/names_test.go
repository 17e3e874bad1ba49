package wiring_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/topo-dev/topo/internal/wiring"
	"github.com/topo-dev/topo/topology"
)

func TestAlias(t *testing.T) {
	if got := wiring.Alias("lab", "hub-spoke1", "hub"); got != "lab-hub-spoke1-hub" {
		t.Errorf("alias %q", got)
	}
	long := strings.Repeat("x", 40)
	a, b := wiring.Alias(long, "seg-"+long, "n1"), wiring.Alias(long, "seg-"+long, "n2")
	if len(a) > 63 || len(b) > 63 || a == b || !strings.HasPrefix(a, long) {
		t.Errorf("long aliases %q and %q: want at most 63 characters, distinct", a, b)
	}
	if wiring.IsName("10.0.0.1") || !wiring.IsName(a) || wiring.IsName("") {
		t.Error("IsName")
	}
}

// A config by name reads back to the plan with the addresses the engine
// gave: each node's own, and its neighbours' on the segment they share.
func TestPlanOfNamedConfigs(t *testing.T) {
	topo, err := topology.Parse("bus.yaml", []byte("layout: bus\nnodes: 3\nnetwork: {routing: none}\n"))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := topology.BuildPlan(topo, topology.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	seg := plan.Segments[0]
	var nodes []wiring.Running
	given := map[string]netip.Addr{}
	a := seg.Subnet.Addr().Next().Next()
	for _, n := range plan.Nodes {
		cfg, err := wiring.NodeConfig(plan, n.Name, wiring.Options{ByName: true})
		if err != nil {
			t.Fatal(err)
		}
		a = a.Next().Next() // not the plan's
		given[n.Name] = a
		nodes = append(nodes, wiring.Running{Config: cfg, Addrs: map[string]netip.Addr{seg.Name: a}})
	}
	back, err := wiring.PlanOf(plan.Name, "", nodes, []wiring.Segment{{Name: seg.Name, Subnet: seg.Subnet}})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range back.Nodes {
		if n.Addresses[seg.Name] != given[n.Name] {
			t.Errorf("%s at %v, want %v", n.Name, n.Addresses[seg.Name], given[n.Name])
		}
		for _, nb := range n.Neighbors {
			if nb.Addr != given[nb.Name] {
				t.Errorf("%s sees %s at %v, want %v", n.Name, nb.Name, nb.Addr, given[nb.Name])
			}
		}
	}
}
