package topology

import (
	"fmt"
)

// MaxNodeNameLen is the longest node name. Containers are named
// <topology>-<node>, and a node's name is also part of segment names.
const MaxNodeNameLen = 30

var layouts = []Layout{Star, Ring, Bus, P2P, ClientServer, Custom}

func isLayout(l Layout) bool {
	for _, x := range layouts {
		if x == l {
			return true
		}
	}
	return false
}

// nameRule says what a valid name is made of.
// A name ends with a letter or digit too: it is part of a hostname, and an
// RFC 1123 label cannot end in a dash.
const nameRule = "lowercase letters, digits and dashes, starting and ending with a letter or digit"

// CheckName says what is wrong with a topology name given outside a file,
// such as with `topo up --name`; nil when it is valid.
func CheckName(name string) error {
	if validName(name, MaxNameLen) {
		return nil
	}
	return fmt.Errorf("%q is not a valid topology name: use %s, at most %d characters", clipEcho(name), nameRule, MaxNameLen)
}

// clipEcho shortens what a user typed for an error message that repeats
// it: a 5,000-character name is recognised by its first 64.
func clipEcho(s string) string {
	const max = 64
	if r := []rune(s); len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}

// validName reports whether s is a lowercase Docker- and hostname-safe
// name: [a-z0-9]([a-z0-9-]*[a-z0-9])?, at most max characters.
func validName(s string, max int) bool {
	if s == "" || len(s) > max || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && i > 0:
		default:
			return false
		}
	}
	return true
}

// normalize fills in what a file may leave out: roles, and the defaults a
// Topology built in Go may lack. It is idempotent.
func normalize(t *Topology) {
	if t.Traffic.Protocol == "" {
		t.Traffic.Protocol = TCP
	}
	if t.Traffic.Size == 0 {
		t.Traffic.Size = DefaultSize
	}
	if t.Network.Pool == "" {
		t.Network.Pool, t.Network.PoolSet = DefaultPool, false
	}
	if t.Network.Routing == "" {
		t.Network.Routing = RoutingIP
	}
	nameExpectations(t)
	switch t.Layout {
	case Star:
		assignCentre(t.Nodes, RoleHub, RoleSpoke)
	case ClientServer:
		assignCentre(t.Nodes, RoleServer, RoleClient)
	case Ring, Bus, P2P, Custom:
		for i := range t.Nodes {
			if t.Nodes[i].Role == "" {
				t.Nodes[i].Role = RolePeer
			}
		}
	}
}

// assignCentre makes the first node without a role the centre unless one
// already has that role, and every other node without a role a leaf.
func assignCentre(nodes []Node, centre, leaf string) {
	has := false
	for _, n := range nodes {
		if n.Role == centre {
			has = true
		}
	}
	for i := range nodes {
		if nodes[i].Role != "" {
			continue
		}
		if !has {
			nodes[i].Role, has = centre, true
		} else {
			nodes[i].Role = leaf
		}
	}
}

// validate checks a normalized topology as a whole, adding every problem
// to e. Problems at one position keep the order they are found in, so the
// order of the checks below is part of what a user reads.
func validate(t *Topology, e *errs) {
	checkName(t, e)
	layoutOK := checkLayout(t, e)
	checkNodeCount(t, e, layoutOK)
	index := checkNodeNames(t, e)
	checkHostnames(t, e)
	checkRoles(t, e)
	if !t.src.parsed {
		// A file's values were checked as they were decoded; a Topology
		// built in Go gets the same checks here, without positions.
		checkValues(t, e)
	}
	checkDatagramSize(t, e)
	if layoutOK {
		validateLinks(t, e, index, !t.src.nodesBad)
	}
	validatePool(t, e)
	validateFaults(t, e)
	validateExpect(t, e)
}

// validateName runs the checks that depend on the topology's name, and
// nothing else: what a new name can break in a topology that was valid.
func validateName(t *Topology, e *errs) {
	checkName(t, e)
	checkHostnames(t, e)
}

func checkName(t *Topology, e *errs) {
	s := &t.src
	switch {
	case t.Name == "":
		e.add(s.top, "the topology has no name: set name: (%s)", nameRule)
	case validName(t.Name, MaxNameLen):
	case s.nameFromFile:
		e.add(s.top, "name %q, taken from the file name, is not a valid topology name: set name: (%s, at most %d characters)", t.Name, nameRule, MaxNameLen)
	case s.nameFromOption:
		e.add(Pos{}, "name %q is not a valid topology name: use %s, at most %d characters", t.Name, nameRule, MaxNameLen)
	default:
		e.add(s.name, "name %q is not a valid topology name: use %s, at most %d characters", t.Name, nameRule, MaxNameLen)
	}
}

// checkLayout reports a missing or unknown layout, and whether the layout
// is one the checks that depend on it can go by.
func checkLayout(t *Topology, e *errs) bool {
	s := &t.src
	ok := isLayout(t.Layout)
	switch {
	case s.layoutBad:
	case t.Layout == "" && s.layout == (Pos{}):
		e.add(s.top, "layout: is missing: set it to one of %s", layoutList)
	case !ok:
		e.add(s.layout, "layout %q is not one of %s", t.Layout, layoutList)
	}
	return ok
}

func checkNodeCount(t *Topology, e *errs, layoutOK bool) {
	s := &t.src
	if s.nodesBad {
		return
	}
	least := 2
	if t.Layout == Ring {
		least = 3
	}
	switch n := len(t.Nodes); {
	case n == 0 && !s.nodesSet:
		e.add(s.top, "nodes: is missing: give a count like 5 or a list of node names")
	case n < least && layoutOK:
		e.add(s.nodes, "layout %s needs at least %d nodes, got %d", t.Layout, least, n)
	case n < least:
		e.add(s.nodes, "a topology needs at least %d nodes, got %d", least, n)
	case n > MaxNodes:
		e.add(s.nodes, "%d nodes is more than the %d a topology may have", n, MaxNodes)
	case t.Layout == P2P && n > MaxMeshNodes:
		e.add(s.nodes, "a p2p full mesh of %d nodes needs %d networks; p2p allows at most %d nodes: use layout custom and list the links you need", n, n*(n-1)/2, MaxMeshNodes)
	}
}

// checkNodeNames reports invalid and repeated node names, and returns the
// index of each name's first node.
func checkNodeNames(t *Topology, e *errs) map[string]int {
	index := make(map[string]int, len(t.Nodes))
	for i, n := range t.Nodes {
		if !validName(n.Name, MaxNodeNameLen) {
			e.add(n.Pos, "node name %q is not valid: use %s, at most %d characters", n.Name, nameRule, MaxNodeNameLen)
		}
		if j, dup := index[n.Name]; dup {
			if p := t.Nodes[j].Pos; p.Line > 0 && p != n.Pos {
				e.add(n.Pos, "duplicate node name %q (first at line %d)", n.Name, p.Line)
			} else {
				e.add(n.Pos, "duplicate node name %q", n.Name)
			}
			continue
		}
		index[n.Name] = i
	}
	return index
}

// checkHostnames refuses a node whose container name, <topology>-<node>,
// is too long to be its hostname: Docker would cut the hostname, and two
// nodes could end up with the same one. Each name alone is within its own
// limit; only the two together can be too long.
func checkHostnames(t *Topology, e *errs) {
	if !validName(t.Name, MaxNameLen) {
		return // reported already
	}
	fix := "shorten the node name or the topology name"
	switch {
	case t.src.nameFromFile:
		fix = "shorten the node name, or set a shorter name: (the topology is named after its file)"
	case t.src.nameFromOption:
		fix = "shorten the node name, or give a shorter topology name"
	}
	for _, n := range t.Nodes {
		if !validName(n.Name, MaxNodeNameLen) {
			continue
		}
		if c := t.Name + "-" + n.Name; len(c) > MaxHostnameLen {
			e.add(n.Pos, "node %q: its container name %q is %d characters, more than the %d a hostname may have: %s", n.Name, c, len(c), MaxHostnameLen, fix)
		}
	}
}

func checkRoles(t *Topology, e *errs) {
	switch t.Layout {
	case Star:
		checkCentre(t, e, RoleHub, RoleSpoke)
	case ClientServer:
		checkCentre(t, e, RoleServer, RoleClient)
	case Ring, Bus, P2P, Custom:
		for _, n := range t.Nodes {
			if n.Role != RolePeer && n.Role != "" {
				e.add(rolePos(n), "node %q: layout %s has no roles: remove role: %s (every node is a peer)", n.Name, t.Layout, n.Role)
			}
		}
	}
}

func rolePos(n Node) Pos {
	if n.rolePos != (Pos{}) {
		return n.rolePos
	}
	return n.Pos
}

func checkCentre(t *Topology, e *errs, centre, leaf string) {
	var first *Node
	for i := range t.Nodes {
		n := &t.Nodes[i]
		switch n.Role {
		case centre:
			if first != nil {
				e.add(rolePos(*n), "node %q: more than one %s: %q is already the %s", n.Name, centre, first.Name, centre)
				continue
			}
			first = n
		case leaf:
		default:
			e.add(rolePos(*n), "node %q: role %q does not fit layout %s: use %s or %s", n.Name, n.Role, t.Layout, centre, leaf)
		}
	}
	if first == nil && len(t.Nodes) > 0 {
		e.add(t.src.nodes, "layout %s has no %s: give one node role: %s", t.Layout, centre, centre)
	}
}
