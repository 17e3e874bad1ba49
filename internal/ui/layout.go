// Package ui serves topo ui: a page that draws a running topology as its
// layout has it and animates its traffic, hop by hop, from the nodes' own
// events, with a server-sent event stream per page. Every asset is
// embedded; nothing is fetched from elsewhere.
package ui

import (
	"math"
	"slices"

	"github.com/topo-dev/topo/topology"
)

// Point is a position on the drawing, in a 1000×700 view box.
type Point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Drawing is what the page draws: every node where the layout puts it, a
// vertex for each shared segment (a bus, a LAN), and the edges between.
type Drawing struct {
	Nodes    map[string]Point `json:"nodes"`
	Segments map[string]Point `json:"segments"` // shared segments only
	Edges    []Edge           `json:"edges"`
}

// Edge joins two nodes over a point-to-point segment, or a node to a
// shared segment's vertex (To is then the segment's name).
type Edge struct {
	From    string `json:"from"`
	To      string `json:"to"`
	Segment string `json:"segment"`
	Shared  bool   `json:"shared"`
}

const (
	width, height = 1000.0, 700.0
	centerX       = width / 2
	centerY       = height / 2
	radius        = 260.0
)

// Layout places the plan's nodes as its layout draws them: a star's hub in
// the middle and its spokes around it, a ring as a circle in ring order, a
// bus as a line with the members on drops below it, a client-server LAN
// with the server above its LAN, and anything else on a circle with each
// shared segment's vertex at its members' centre.
func Layout(p *topology.Plan) Drawing {
	d := Drawing{Nodes: map[string]Point{}, Segments: map[string]Point{}}
	names := make([]string, len(p.Nodes))
	for i, n := range p.Nodes {
		names[i] = n.Name
	}
	switch p.Layout {
	case topology.Star:
		hub := roleNode(p, "hub", names[0])
		d.Nodes[hub] = Point{centerX, centerY}
		circle(d.Nodes, without(names, hub), radius)
	case topology.Bus:
		line(d.Nodes, names, height*0.62)
	case topology.ClientServer:
		server := roleNode(p, "server", names[0])
		d.Nodes[server] = Point{centerX, height * 0.18}
		line(d.Nodes, without(names, server), height*0.75)
	default: // ring (in plan order, which is ring order), p2p, custom
		circle(d.Nodes, names, radius)
	}
	for _, s := range p.Segments {
		if s.Shared {
			d.Segments[s.Name] = segmentVertex(p, s, d.Nodes)
			for _, m := range s.Members {
				d.Edges = append(d.Edges, Edge{From: m, To: s.Name, Segment: s.Name, Shared: true})
			}
			continue
		}
		if len(s.Members) == 2 {
			d.Edges = append(d.Edges, Edge{From: s.Members[0], To: s.Members[1], Segment: s.Name})
		}
	}
	return d
}

// segmentVertex is where a shared segment is drawn: a bus or a LAN as the
// line above its members, any other at its members' centre.
func segmentVertex(p *topology.Plan, s topology.PlanSegment, at map[string]Point) Point {
	if p.Layout == topology.Bus || p.Layout == topology.ClientServer {
		y := at[s.Members[len(s.Members)-1]].Y
		return Point{centerX, y - 90}
	}
	var c Point
	for _, m := range s.Members {
		c.X += at[m].X / float64(len(s.Members))
		c.Y += at[m].Y / float64(len(s.Members))
	}
	return c
}

func roleNode(p *topology.Plan, role, fallback string) string {
	for _, n := range p.Nodes {
		if n.Role == role {
			return n.Name
		}
	}
	return fallback
}

func without(names []string, drop string) []string {
	return slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == drop })
}

// circle puts names clockwise from the top on a circle around the centre.
func circle(at map[string]Point, names []string, r float64) {
	for i, n := range names {
		a := -math.Pi/2 + 2*math.Pi*float64(i)/float64(len(names))
		at[n] = Point{round(centerX + r*math.Cos(a)), round(centerY + r*math.Sin(a))}
	}
}

// line puts names left to right at height y.
func line(at map[string]Point, names []string, y float64) {
	step := (width - 120) / float64(max(len(names)-1, 1))
	for i, n := range names {
		x := 60 + step*float64(i)
		if len(names) == 1 {
			x = centerX
		}
		at[n] = Point{round(x), y}
	}
}

func round(v float64) float64 { return math.Round(v*10) / 10 }
