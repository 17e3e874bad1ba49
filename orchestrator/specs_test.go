package orchestrator_test

import (
	"slices"
	"testing"

	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// A user's own image runs confined by default, keeps the capabilities it
// names, and gets Docker's defaults only when it asks with privileged.
func TestUserImagePrivileges(t *testing.T) {
	top, err := topology.Load("../topology/testdata/valid-own-image-privileges.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := topology.BuildPlan(top, topology.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, cons, err := orchestrator.Specs(p, orchestrator.SpecOptions{Image: "topo-node:x"})
	if err != nil {
		t.Fatal(err)
	}
	pinger, legacy := cons[1], cons[2]
	if !slices.Equal(pinger.CapDrop, []string{"ALL"}) || !slices.Equal(pinger.CapAdd, []string{"NET_RAW", "NET_BIND_SERVICE"}) ||
		!pinger.NoNewPrivileges || pinger.MemoryBytes == 0 || pinger.PidsLimit == 0 {
		t.Errorf("a user's image with capabilities: %+v", pinger)
	}
	if len(legacy.CapDrop)+len(legacy.CapAdd) != 0 || legacy.NoNewPrivileges || legacy.MemoryBytes != 0 || legacy.PidsLimit != 0 {
		t.Errorf("a privileged user's image is confined: %+v", legacy)
	}
}

// A topology with routing none gets sealed networks, whose bridges take no
// address on the host; a routed one keeps the host's gateway.
func TestSpecsSealUnroutedSegments(t *testing.T) {
	for _, r := range []topology.Routing{topology.RoutingIP, topology.RoutingNone} {
		top := load(t, "../topologies/ring.yaml")
		top.Network.Routing, top.Network.RoutingSet = r, true
		p, err := topology.BuildPlan(top, topology.PlanOptions{})
		if err != nil {
			t.Fatal(err)
		}
		nets, _, err := orchestrator.Specs(p, orchestrator.SpecOptions{Image: "topo-node:x"})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range nets {
			if want := r == topology.RoutingNone; n.Sealed != want || (len(n.BridgeOptions()) > 0) != want {
				t.Errorf("routing %s: network %s sealed %v (options %v), want %v", r, n.Name, n.Sealed, n.BridgeOptions(), want)
			}
		}
	}
}
