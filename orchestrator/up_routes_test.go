package orchestrator_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// Up installs each node's IP routes from a helper in its network
// namespace, with NET_ADMIN and nothing else, before the nodes are ready.
func TestUpInstallsRoutes(t *testing.T) {
	f := newFake()
	res, err := fakeOrchestrator(f).Up(context.Background(), load(t, "../topologies/star.yaml"), orchestrator.UpOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.helpers) != 4 {
		t.Fatalf("%d route helpers ran, want one per spoke (4); the hub is on every segment", len(f.helpers))
	}
	for _, h := range f.helpers {
		node := h.Labels[engine.LabelNode]
		pn, _ := res.Plan.Node(node)
		if h.JoinNetworkOf != "star-"+node || !slices.Equal(h.CapAdd, []string{"NET_ADMIN"}) || !slices.Equal(h.CapDrop, []string{"ALL"}) ||
			h.User != "0:0" || !h.NoNewPrivileges || len(h.Network) != 0 || h.Labels[engine.LabelTopology] != "" {
			t.Errorf("helper of %s: %+v", node, h)
		}
		if len(h.Cmd) != 2+len(pn.IPRoutes) || h.Cmd[0] != agent.VerbNetns || h.Cmd[2] != pn.IPRoutes[0].To.String()+"="+pn.IPRoutes[0].Via.String() {
			t.Errorf("helper of %s runs %q; routes %v", node, h.Cmd, pn.IPRoutes)
		}
	}
	spoke1 := f.specs["star-spoke1"]
	if spoke1.Sysctls["net.ipv4.ip_forward"] != "1" || spoke1.Sysctls["net.ipv4.conf.all.rp_filter"] != "0" {
		t.Errorf("spoke1's sysctls: %v", spoke1.Sysctls)
	}
	spoke3, _ := res.Plan.Node("spoke3")
	want := "spoke3:" + spoke3.Addresses["hub-spoke3"].String()
	if !slices.Contains(spoke1.ExtraHosts, want) || !slices.Contains(spoke1.ExtraHosts, "star-"+want) || len(spoke1.ExtraHosts) != 8 {
		t.Errorf("spoke1's hosts %v, want %s among 8", spoke1.ExtraHosts, want)
	}
}

// A helper that cannot install its routes fails up, which removes what it
// created; with routing none there are no helpers, sysctls or hosts.
func TestRoutesFailOrAreOff(t *testing.T) {
	f := newFake()
	f.failHelper = func(s engine.ContainerSpec) error {
		return errors.New("route 10.0.0.0/8 via 10.0.0.1: network is unreachable")
	}
	_, err := fakeOrchestrator(f).Up(context.Background(), load(t, "../topologies/star.yaml"), orchestrator.UpOptions{})
	if err == nil || !strings.Contains(err.Error(), "network is unreachable") {
		t.Fatalf("up with a failing helper: %v", err)
	}
	if c, n := f.counts(); c+n != 0 {
		t.Errorf("left %d containers and %d networks", c, n)
	}

	top, err := topology.Parse("none.yaml", []byte("layout: star\nnodes: 3\nnetwork: {routing: none}\n"))
	if err != nil {
		t.Fatal(err)
	}
	f = newFake()
	if _, err := fakeOrchestrator(f).Up(context.Background(), top, orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(f.helpers) != 0 || f.specs["none-spoke1"].Sysctls != nil || f.specs["none-spoke1"].ExtraHosts != nil {
		t.Errorf("routing none: %d helpers, spoke1 %+v", len(f.helpers), f.specs["none-spoke1"])
	}
}
