package topotest

import (
	"testing"

	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

func TestAdoptAddresses(t *testing.T) {
	top, err := topology.Parse("star.yaml", []byte("layout: star\nnodes: 3\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := topology.BuildPlan(top, topology.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Running, it got other subnets than a fresh plan gives.
	st := &orchestrator.Status{
		Segments: []orchestrator.SegmentStatus{
			{Name: "hub-spoke1", Subnet: "10.210.8.0/29"},
			{Name: "hub-spoke2", Subnet: "10.210.8.8/29"},
		},
		Nodes: []orchestrator.NodeStatus{
			{Name: "hub", Addresses: map[string]string{"hub-spoke1": "10.210.8.2", "hub-spoke2": "10.210.8.10"}},
			{Name: "spoke1", Addresses: map[string]string{"hub-spoke1": "10.210.8.3"}},
			{Name: "spoke2", Addresses: map[string]string{"hub-spoke2": "10.210.8.11"}},
		},
	}
	if err := adoptAddresses(p, st); err != nil {
		t.Fatal(err)
	}
	seg, _ := p.Segment("hub-spoke2")
	hub, _ := p.Node("hub")
	spoke1, _ := p.Node("spoke1")
	if seg.Subnet.String() != "10.210.8.8/29" || seg.Gateway.String() != "10.210.8.9" {
		t.Errorf("segment: %s gateway %s", seg.Subnet, seg.Gateway)
	}
	if hub.Addresses["hub-spoke2"].String() != "10.210.8.10" || spoke1.Neighbors[0].Addr.String() != "10.210.8.2" {
		t.Errorf("hub %v, spoke1's neighbour %v", hub.Addresses, spoke1.Neighbors[0])
	}
	st.Nodes = append(st.Nodes, orchestrator.NodeStatus{Name: "ghost"})
	if err := adoptAddresses(p, st); err == nil {
		t.Error("a running node the plan lacks is not an error")
	}
}
