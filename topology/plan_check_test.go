package topology

import "testing"

// checkPlan asserts the invariants every plan must hold, whatever its layout.
func checkPlan(t *testing.T, p *Plan) {
	t.Helper()
	if !p.Pool.IsValid() {
		t.Fatalf("pool %v is not valid", p.Pool)
	}
	byName := map[string]*PlanNode{}
	for i := range p.Nodes {
		byName[p.Nodes[i].Name] = &p.Nodes[i]
	}
	seen := map[string]bool{}
	for i, s := range p.Segments {
		if seen[s.Name] {
			t.Errorf("segment name %q used twice", s.Name)
		}
		seen[s.Name] = true
		if !p.Pool.Contains(s.Subnet.Addr()) || s.Subnet.Bits() < p.Pool.Bits() {
			t.Errorf("segment %s subnet %s is outside pool %s", s.Name, s.Subnet, p.Pool)
		}
		if s.Subnet.Masked() != s.Subnet || s.Subnet.Bits() > 29 {
			t.Errorf("segment %s subnet %s is not an aligned block of at least /29", s.Name, s.Subnet)
		}
		if hosts := 1<<(32-s.Subnet.Bits()) - 3; len(s.Members) > hosts {
			t.Errorf("segment %s: %d members do not fit in %s", s.Name, len(s.Members), s.Subnet)
		}
		if s.Gateway != s.Subnet.Addr().Next() {
			t.Errorf("segment %s gateway %s is not the first address of %s", s.Name, s.Gateway, s.Subnet)
		}
		for _, o := range p.Segments[:i] {
			if o.Subnet.Overlaps(s.Subnet) {
				t.Errorf("segments %s %s and %s %s overlap", o.Name, o.Subnet, s.Name, s.Subnet)
			}
		}
		a := s.Gateway
		for _, m := range s.Members {
			a = a.Next()
			n, ok := byName[m]
			if !ok {
				t.Fatalf("segment %s member %s is not a node", s.Name, m)
			}
			if got := n.Addresses[s.Name]; got != a {
				t.Errorf("node %s on %s: address %s, want %s", m, s.Name, got, a)
			}
		}
	}
	index := map[string]int{}
	for i, n := range p.Nodes {
		index[n.Name] = i
	}
	for _, n := range p.Nodes {
		last := -1
		for _, nb := range n.Neighbors {
			if index[nb.Name] <= last {
				t.Errorf("node %s: neighbours are not in plan order", n.Name)
			}
			last = index[nb.Name]
			other := byName[nb.Name]
			back := neighbor(other, n.Name)
			if back == nil {
				t.Errorf("%s lists %s as a neighbour but not the other way round", n.Name, nb.Name)
				continue
			}
			if back.Dial == nb.Dial {
				t.Errorf("%s and %s: exactly one side must dial", n.Name, nb.Name)
			}
			if nb.Segment != back.Segment {
				t.Errorf("%s and %s disagree on their segment: %s, %s", n.Name, nb.Name, nb.Segment, back.Segment)
			}
			if other.Addresses[nb.Segment] != nb.Addr || !nb.Addr.IsValid() {
				t.Errorf("%s: neighbour %s address %s is not its address on %s", n.Name, nb.Name, nb.Addr, nb.Segment)
			}
		}
		if len(n.Routes) != len(p.Nodes)-1 {
			t.Errorf("node %s has %d routes, want %d", n.Name, len(n.Routes), len(p.Nodes)-1)
		}
		for dst, hop := range n.Routes {
			if neighbor(&n, hop) == nil {
				t.Errorf("node %s: next hop %s toward %s is not a neighbour", n.Name, hop, dst)
			}
		}
	}
	// Following next hops from anywhere must arrive anywhere.
	for _, d := range p.Nodes {
		arrives := map[string]bool{d.Name: true}
		for _, n := range p.Nodes {
			var path []string
			for at := n.Name; !arrives[at]; at = byName[at].Routes[d.Name] {
				if len(path) > len(p.Nodes) || byName[at] == nil {
					t.Fatalf("routes from %s to %s do not arrive: %v", n.Name, d.Name, path)
				}
				path = append(path, at)
			}
			for _, x := range path {
				arrives[x] = true
			}
		}
	}
}

func neighbor(n *PlanNode, name string) *PlanNeighbor {
	for i := range n.Neighbors {
		if n.Neighbors[i].Name == name {
			return &n.Neighbors[i]
		}
	}
	return nil
}
