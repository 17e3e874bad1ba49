package ui

import (
	"math"
	"testing"

	"github.com/topo-dev/topo/topology"
)

func plan(t *testing.T, src string) *topology.Plan {
	t.Helper()
	top, err := topology.Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	p, err := topology.BuildPlan(top, topology.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLayoutFollowsTheLayout: a star's hub in the middle and its spokes on
// a circle; a ring on a circle in ring order, clockwise from the top; a
// bus's members on a line below their segment's vertex; a LAN's server
// above it; every node drawn, and an edge for every link.
func TestLayoutFollowsTheLayout(t *testing.T) {
	star := Layout(plan(t, "layout: star\nnodes: 5\n"))
	if hub := star.Nodes["hub"]; hub != (Point{centerX, centerY}) {
		t.Errorf("hub at %v, want the centre", hub)
	}
	for _, s := range []string{"spoke1", "spoke2", "spoke3", "spoke4"} {
		p := star.Nodes[s]
		if d := math.Hypot(p.X-centerX, p.Y-centerY); math.Abs(d-radius) > 1 {
			t.Errorf("%s at %v, %.0f from the hub, want %v", s, p, d, radius)
		}
	}
	if len(star.Edges) != 4 || len(star.Segments) != 0 {
		t.Errorf("star edges %v, segments %v", star.Edges, star.Segments)
	}

	ring := Layout(plan(t, "layout: ring\nnodes: 4\n"))
	want := []Point{{500, 90}, {760, 350}, {500, 610}, {240, 350}}
	for i, n := range []string{"node1", "node2", "node3", "node4"} {
		if ring.Nodes[n] != want[i] {
			t.Errorf("ring %s at %v, want %v", n, ring.Nodes[n], want[i])
		}
	}

	bus := Layout(plan(t, "layout: bus\nnodes: 4\n"))
	if len(bus.Segments) != 1 || len(bus.Edges) != 4 {
		t.Fatalf("bus segments %v, edges %v", bus.Segments, bus.Edges)
	}
	for _, e := range bus.Edges {
		if !e.Shared || bus.Nodes[e.From].Y <= bus.Segments[e.To].Y {
			t.Errorf("bus edge %+v: want a drop from the segment down to the member", e)
		}
	}

	lan := Layout(plan(t, "layout: client-server\nnodes: 4\n"))
	if s, c := lan.Nodes["server"], lan.Nodes["client1"]; s.Y >= c.Y {
		t.Errorf("server at %v, client1 at %v: want the server above", s, c)
	}
}
