package topotest_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/topo-dev/topo/topology"
	"github.com/topo-dev/topo/topotest"
)

// This is how a test brings a ring up, sends around it and reads the logs.
// (Examples cannot receive a *testing.T, so this one is compiled, not run;
// TestIntegrationReadmeExample runs the same steps.)
func ExampleUp() {
	var t *testing.T // your test's t

	topo := topotest.Up(t, "topologies/ring.yaml", topotest.WithInterval(0))
	r := topo.Send(t, "node1", "node4", "hello")
	fmt.Println(r.Delivered, r.Path)

	ev := topo.WaitFor(t, "node4", func(ev topotest.Event) bool {
		return ev.Event == "deliver" && ev.Peer == "node1"
	}, 10*time.Second)
	fmt.Println(ev.Path)
}

// A probe joins one segment of a topology and shows what a host there can
// reach.
func ExampleTopology_Probe() {
	var t *testing.T // your test's t

	topo := topotest.Up(t, "topologies/star.yaml")
	probe := topo.Probe(t, "hub-spoke1")
	spoke2, _ := topo.Plan.Node("spoke2")
	fmt.Println(probe.CanReach(t, spoke2.Addresses["hub-spoke2"].String()))
}

// TestIntegrationReadmeExample runs the README's topotest example.
func TestIntegrationReadmeExample(t *testing.T) {
	t.Parallel()
	topo := up(t, "ring.yaml", "readme", topotest.WithRouting(topology.RoutingNone))

	r := topo.Send(t, "node1", "node4", "hello")
	if !r.Delivered || len(r.Path) != 4 {
		t.Fatalf("got %+v", r)
	}
	st := topo.Status(t)
	if len(st.Nodes) != 5 {
		t.Fatalf("status: %+v", st)
	}
	ev := topo.WaitFor(t, "node3", func(ev topotest.Event) bool { return ev.Event == "deliver" }, 10*time.Second)
	if ev.Node != "node3" || ev.ID == "" {
		t.Errorf("WaitFor returned %+v", ev)
	}
	if evs := topo.Logs(t, "node2"); len(evs) == 0 || evs[0].Node != "node2" {
		t.Errorf("Logs(node2): %d events", len(evs))
	}
	probe := topo.Probe(t, "node1-node2")
	n2, _ := topo.Plan.Node("node2")
	n3, _ := topo.Plan.Node("node3")
	if !probe.CanReach(t, n2.Addresses["node1-node2"].String()) {
		t.Error("the probe cannot reach node2 on its own segment")
	}
	if probe.CanReach(t, n3.Addresses["node3-node4"].String()) {
		t.Error("node3's other segment is visible from node1-node2")
	}
	// The same ring serves TestIntegrationIsolation's: a topology costs the
	// engine seconds.
	t.Run("isolation", func(t *testing.T) { checkRingIsolation(t, topo) })
}
