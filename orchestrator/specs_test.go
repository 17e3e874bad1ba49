package orchestrator_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/topo-dev/topo/agent"
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

// Every up hands its nodes one secret of its own; the specs without one
// (a compose export) carry none.
func TestUpHandsOutASecret(t *testing.T) {
	secretOf := func(f *fakeRuntime, container string) string {
		for _, kv := range f.specs[container].Env {
			if v, ok := strings.CutPrefix(kv, agent.ConfigEnv+"="); ok {
				cfg, err := agent.ParseConfig([]byte(v))
				if err != nil {
					t.Fatal(err)
				}
				return cfg.Secret
			}
		}
		return ""
	}
	var secrets []string
	for range 2 {
		f := newFake()
		if _, err := fakeOrchestrator(f).Up(context.Background(), load(t, "../topologies/star.yaml"), orchestrator.UpOptions{}); err != nil {
			t.Fatal(err)
		}
		hub, spoke := secretOf(f, "star-hub"), secretOf(f, "star-spoke3")
		if len(hub) != 64 || hub != spoke {
			t.Fatalf("secrets %q and %q, want one of 64 hex digits", hub, spoke)
		}
		secrets = append(secrets, hub)
	}
	if secrets[0] == secrets[1] {
		t.Error("two ups share a secret")
	}
	p, err := topology.BuildPlan(load(t, "../topologies/star.yaml"), topology.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, cons, err := orchestrator.Specs(p, orchestrator.SpecOptions{})
	if err != nil || strings.Contains(strings.Join(cons[0].Env, " "), `"secret"`) {
		t.Errorf("specs without a secret: %v, %v", cons[0].Env, err)
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
