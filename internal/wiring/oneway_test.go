package wiring_test

import (
	"testing"

	"github.com/topo-dev/topo/internal/wiring"
	"github.com/topo-dev/topo/topology"
)

// TestLinkImpairedOneWay: a link the file impairs from: one end is
// impaired in that end's config alone, and the plan read back from the
// configs says so again.
func TestLinkImpairedOneWay(t *testing.T) {
	topo, err := topology.Parse("oneway.yaml", []byte("layout: custom\nnodes: [a, b, c]\nlinks:\n"+
		"  - {endpoints: [a, b], delay: 20ms, loss: 5%, from: b}\n  - {endpoints: [b, c], delay: 5ms}\n"))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := topology.BuildPlan(topo, topology.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var nodes []wiring.Running
	for _, n := range plan.Nodes {
		cfg, err := wiring.NodeConfig(plan, n.Name, wiring.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range cfg.Segments {
			if want := !(n.Name == "a" && s.Name == "a-b"); s.Impairment.IsZero() == want {
				t.Errorf("%s's segment %s: impairment %+v, want one: %v", n.Name, s.Name, s.Impairment, want)
			}
		}
		nodes = append(nodes, wiring.Running{Config: cfg})
	}
	var segs []wiring.Segment
	for _, s := range plan.Segments {
		segs = append(segs, wiring.Segment{Name: s.Name, Subnet: s.Subnet})
	}
	back, err := wiring.PlanOf(plan.Name, "", nodes, segs)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range back.Segments {
		if s.ImpairFrom != plan.Segments[i].ImpairFrom || s.Impairment != plan.Segments[i].Impairment {
			t.Errorf("segment %s read back: from %q, %v; want from %q, %v", s.Name, s.ImpairFrom, s.Impairment,
				plan.Segments[i].ImpairFrom, plan.Segments[i].Impairment)
		}
	}
	if ab, _ := back.Segment("a-b"); ab.ImpairFrom != "b" {
		t.Errorf("a-b read back impaired from %q, want b", ab.ImpairFrom)
	}
}
