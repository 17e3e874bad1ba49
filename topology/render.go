package topology

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
)

// Summary is a one-line description such as "star, 5 nodes, 4 segments".
func (p *Plan) Summary() string {
	return fmt.Sprintf("%s, %s, %s", p.Layout, plural(len(p.Nodes), "node"), plural(len(p.Segments), "segment"))
}

// plural counts things: "1 node", "2 nodes", "1 more problem".
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// Broadcast returns the last address of the segment's subnet.
func (s PlanSegment) Broadcast() netip.Addr {
	a := s.Subnet.Masked().Addr().As4()
	host := 32 - s.Subnet.Bits()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v |= uint32(uint64(1)<<host - 1)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// pointToPoint reports whether a segment is drawn as a plain edge: two
// members and no broadcast. The client-server LAN is a vertex, as it is one
// network however few clients it has.
func (p *Plan) pointToPoint(s PlanSegment) bool {
	return !s.Shared && len(s.Members) == 2 && p.Layout != ClientServer
}

// String is a stable, readable form of the plan: what topo validate --plan
// prints and what golden tests compare.
func (p *Plan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "topology %s: %s\n", p.Name, p.Summary())
	if p.File != "" {
		fmt.Fprintf(&b, "file: %s\n", p.File)
	}
	fmt.Fprintf(&b, "pool: %s\n", p.Pool)
	if p.Routing == RoutingNone {
		b.WriteString("routing: none (only nodes that share a segment reach each other by IP)\n")
	} else {
		b.WriteString("routing: ip (every address reached along the layout's paths)\n")
	}
	if p.Traffic.Interval == 0 {
		fmt.Fprintf(&b, "traffic: off (%s, %s)\n", p.Traffic.Protocol, plural(p.Traffic.Size, "byte"))
	} else {
		fmt.Fprintf(&b, "traffic: %s every %s, %s\n", p.Traffic.Protocol, FormatDuration(p.Traffic.Interval), plural(p.Traffic.Size, "byte"))
	}
	byName := make(map[string]*PlanNode, len(p.Nodes))
	for i := range p.Nodes {
		byName[p.Nodes[i].Name] = &p.Nodes[i]
	}
	b.WriteString("segments:\n")
	for _, s := range p.Segments {
		kind := "shared"
		switch {
		case p.pointToPoint(s):
			kind = "point-to-point"
		case !s.Shared:
			kind = "unicast lan"
		}
		fmt.Fprintf(&b, "  %s %s gateway %s (%s)\n", s.Name, s.Subnet, s.Gateway, kind)
		var ms []string
		for _, m := range s.Members {
			if n := byName[m]; n != nil {
				ms = append(ms, m+" "+n.Addresses[s.Name].String())
			}
		}
		fmt.Fprintf(&b, "    members: %s\n", strings.Join(ms, ", "))
		if !s.Impairment.IsZero() && s.ImpairFrom != "" {
			fmt.Fprintf(&b, "    impairment: %s, of what %s sends only\n", s.Impairment, s.ImpairFrom)
		} else if !s.Impairment.IsZero() {
			fmt.Fprintf(&b, "    impairment: %s\n", s.Impairment)
		}
	}
	if len(p.Faults) > 0 {
		b.WriteString("faults (after the topology is ready):\n")
		for _, f := range p.Faults {
			fmt.Fprintf(&b, "  %s\n", f)
		}
	}
	b.WriteString("nodes:\n")
	for i := range p.Nodes {
		p.writeNode(&b, &p.Nodes[i])
	}
	return b.String()
}

// writeNode writes one node of String: its settings, addresses (in segment
// order), neighbours and routes (in plan order).
func (p *Plan) writeNode(b *strings.Builder, n *PlanNode) {
	fmt.Fprintf(b, "  %s (%s)\n", n.Name, n.Role)
	if n.Image != "" {
		fmt.Fprintf(b, "    image: %s\n", n.Image)
	}
	if len(n.Command) > 0 {
		fmt.Fprintf(b, "    command: %q\n", n.Command)
	}
	switch {
	case n.Privileged:
		fmt.Fprintf(b, "    privileges: Docker's defaults (privileged: true)\n")
	case len(n.Capabilities) > 0:
		fmt.Fprintf(b, "    capabilities: %s\n", strings.Join(n.Capabilities, ", "))
	}
	if len(n.Placement) > 0 {
		fmt.Fprintf(b, "    placement: %s\n", strings.Join(n.Placement, ", "))
	}
	if len(n.Env) > 0 {
		keys := make([]string, 0, len(n.Env))
		for k := range n.Env {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var kv []string
		for _, k := range keys {
			kv = append(kv, fmt.Sprintf("%s=%q", k, n.Env[k]))
		}
		fmt.Fprintf(b, "    env: %s\n", strings.Join(kv, " "))
	}
	var as []string
	for _, s := range p.Segments {
		if a, ok := n.Addresses[s.Name]; ok {
			as = append(as, s.Name+" "+a.String())
		}
	}
	fmt.Fprintf(b, "    addresses: %s\n", strings.Join(as, ", "))
	b.WriteString("    neighbors:\n")
	for _, nb := range n.Neighbors {
		dir := "accepts"
		if nb.Dial {
			dir = "dials"
		}
		fmt.Fprintf(b, "      %s %s on %s (%s)\n", nb.Name, nb.Addr, nb.Segment, dir)
	}
	var rs []string
	for _, d := range p.Nodes {
		if h, ok := n.Routes[d.Name]; ok {
			rs = append(rs, d.Name+" via "+h)
		}
	}
	fmt.Fprintf(b, "    routes: %s\n", strings.Join(rs, ", "))
	if len(n.IPRoutes) > 0 {
		var ips []string
		for _, r := range n.IPRoutes {
			ips = append(ips, fmt.Sprintf("%s via %s (%s)", r.To, r.Via, r.Hop))
		}
		fmt.Fprintf(b, "    ip routes: %s\n", strings.Join(ips, ", "))
	}
}

// RenderDOT draws the plan as a Graphviz graph. Nodes are boxes; a
// point-to-point segment is an edge labelled with its subnet; a shared
// segment (a bus, a custom shared segment, the client-server LAN) is an
// ellipse of its own, with an edge to each member.
func RenderDOT(p *Plan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "graph %q {\n", p.Name)
	fmt.Fprintf(&b, "  label=%q;\n", p.Name+": "+p.Summary())
	b.WriteString("  node [shape=box, style=rounded];\n")
	for _, n := range p.Nodes {
		fmt.Fprintf(&b, "  %q [label=%q];\n", "node:"+n.Name, n.Name+"\n"+n.Role)
	}
	for _, s := range p.Segments {
		label := s.Subnet.String()
		if !s.Impairment.IsZero() {
			label += "\n" + s.Impairment.String()
		}
		if p.pointToPoint(s) {
			fmt.Fprintf(&b, "  %q -- %q [label=%q];\n", "node:"+s.Members[0], "node:"+s.Members[1], label)
			continue
		}
		id := "segment:" + s.Name
		fmt.Fprintf(&b, "  %q [shape=ellipse, style=filled, fillcolor=lightgrey, label=%q];\n", id, s.Name+"\n"+label)
		for _, m := range s.Members {
			fmt.Fprintf(&b, "  %q -- %q;\n", id, "node:"+m)
		}
	}
	b.WriteString("}\n")
	return b.String()
}

// RenderMermaid draws the plan as a Mermaid flowchart, shaped like
// RenderDOT's: nodes are rectangles, shared segments hexagons.
func RenderMermaid(p *Plan) string {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	ids := map[string]string{}
	for i, n := range p.Nodes {
		id := fmt.Sprintf("n%d", i)
		ids[n.Name] = id
		fmt.Fprintf(&b, "  %s[\"%s<br/>%s\"]\n", id, n.Name, n.Role)
	}
	for i, s := range p.Segments {
		label := s.Subnet.String()
		if !s.Impairment.IsZero() {
			label += "<br/>" + s.Impairment.String()
		}
		if p.pointToPoint(s) {
			fmt.Fprintf(&b, "  %s ---|\"%s\"| %s\n", ids[s.Members[0]], label, ids[s.Members[1]])
			continue
		}
		id := fmt.Sprintf("s%d", i)
		fmt.Fprintf(&b, "  %s{{\"%s<br/>%s\"}}\n", id, s.Name, label)
		for _, m := range s.Members {
			fmt.Fprintf(&b, "  %s --- %s\n", id, ids[m])
		}
	}
	return b.String()
}
