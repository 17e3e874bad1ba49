package topology

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
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
	return fmt.Errorf("%q is not a valid topology name: use %s, at most %d characters", name, nameRule, MaxNameLen)
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

var privateBlocks = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
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
		t.Network = Network{Pool: DefaultPool}
	}
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
// to e.
func validate(t *Topology, e *errs) {
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

	layoutOK := isLayout(t.Layout)
	switch {
	case s.layoutBad:
	case t.Layout == "" && s.layout == (Pos{}):
		e.add(s.top, "layout: is missing: set it to one of %s", layoutList)
	case !layoutOK:
		e.add(s.layout, "layout %q is not one of %s", t.Layout, layoutList)
	}

	nodesOK := !s.nodesBad
	if nodesOK {
		min := 2
		if t.Layout == Ring {
			min = 3
		}
		switch {
		case len(t.Nodes) == 0 && !s.nodesSet:
			e.add(s.top, "nodes: is missing: give a count like 5 or a list of node names")
		case len(t.Nodes) < min && layoutOK:
			e.add(s.nodes, "layout %s needs at least %d nodes, got %d", t.Layout, min, len(t.Nodes))
		case len(t.Nodes) < min:
			e.add(s.nodes, "a topology needs at least %d nodes, got %d", min, len(t.Nodes))
		case len(t.Nodes) > MaxNodes:
			e.add(s.nodes, "%d nodes is more than the %d a topology may have", len(t.Nodes), MaxNodes)
		case t.Layout == P2P && len(t.Nodes) > MaxMeshNodes:
			n := len(t.Nodes)
			e.add(s.nodes, "a p2p full mesh of %d nodes needs %d networks; p2p allows at most %d nodes: use layout custom and list the links you need", n, n*(n-1)/2, MaxMeshNodes)
		}
	}

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
	checkHostnames(t, e)

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

	if !s.parsed {
		// A file's values were checked as they were decoded; a Topology
		// built in Go gets the same checks here, without positions.
		if p := t.Traffic.Protocol; p != TCP && p != UDP {
			e.add(Pos{}, "traffic.protocol: %q is not tcp or udp", p)
		}
		if err := checkInterval(t.Traffic.Interval); err != nil {
			e.add(Pos{}, "traffic.interval: %v", err)
		}
		if n := t.Traffic.Size; n < 1 || n > MaxSize {
			e.add(Pos{}, "traffic.size: %d is out of range 1..%d bytes", n, MaxSize)
		}
		if err := t.Link.check(); err != nil {
			e.add(Pos{}, "link: %v", strings.ReplaceAll(err.Error(), "\n", "; "))
		}
		for i, l := range t.Links {
			if err := l.Impairment.check(); err != nil {
				e.add(l.Pos, "links[%d]: %v", i, strings.ReplaceAll(err.Error(), "\n", "; "))
			}
		}
	}

	checkDatagramSize(t, e)

	if layoutOK {
		validateLinks(t, e, index, nodesOK)
	}
	validatePool(t, e)
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

// checkDatagramSize refuses a traffic size that cannot cross a datagram
// link. MaxSize holds for TCP point-to-point links, but a UDP datagram
// holds maxDatagram bytes, frame header included, and a node drops a larger
// frame as oversize. MaxDatagramPayload leaves room for the largest header.
func checkDatagramSize(t *Topology, e *errs) {
	n := t.Traffic.Size
	if n <= MaxDatagramPayload || n > MaxSize {
		return // fine, or reported already
	}
	var why, alt string
	shared := -1
	if t.Layout == Custom {
		for i, l := range t.Links {
			if len(l.Endpoints) >= 3 {
				shared = i
				break
			}
		}
	}
	switch {
	case t.Layout == Bus:
		why = "layout bus, whose shared segment carries frames as UDP datagrams"
		alt = fmt.Sprintf(" (only point-to-point TCP links carry up to %d)", MaxSize)
	case t.Traffic.Protocol == UDP:
		why = "protocol udp"
		alt = ", or protocol tcp"
		if shared >= 0 {
			alt += " and point-to-point links only"
		}
		alt += fmt.Sprintf(" (TCP carries up to %d)", MaxSize)
	case shared >= 0:
		at := ""
		if p := t.Links[shared].Pos; p.Line > 0 {
			at = fmt.Sprintf(" (line %d)", p.Line)
		}
		why = fmt.Sprintf("the shared segment of links[%d]%s, which carries frames as UDP datagrams", shared, at)
		alt = fmt.Sprintf(", or split links[%d] into point-to-point links (TCP carries up to %d)", shared, MaxSize)
	default:
		return
	}
	e.add(t.src.size, "traffic.size: %d bytes is too large for %s: a datagram holds %d bytes, frame header (names and path) included, and a larger frame is dropped as oversize; use at most %d bytes%s", n, why, maxDatagram, MaxDatagramPayload, alt)
}

// maxDatagram is the largest UDP payload IPv4 carries.
const maxDatagram = 65507

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

func validateLinks(t *Topology, e *errs, index map[string]int, nodesOK bool) {
	s := &t.src
	if t.Layout != Custom {
		if len(t.Links) > 0 || s.linksSet {
			e.add(s.links, "links: is only for layout custom; layout %s wires its nodes itself: remove links: or set layout: custom", t.Layout)
		}
		return
	}
	if len(t.Links) == 0 {
		if !s.linksBad {
			p := s.links
			if p == (Pos{}) {
				p = s.top
			}
			e.add(p, "layout custom needs links: list which nodes connect, like - [a, b]")
		}
		return
	}
	if len(t.Links) > MaxSegments {
		e.add(s.links, "links: %d links make as many Docker networks, more than the %d a topology may have: Docker creates networks one at a time (about 70ms each); put nodes that talk among themselves on one shared segment, like - [a, b, c, d]", len(t.Links), MaxSegments)
	}
	allOK := !s.linksBad && nodesOK
	seen := map[string]int{}
	adj := make([][]int, len(t.Nodes))
	inLink := make([]bool, len(t.Nodes))
	for li, l := range t.Links {
		epPos := func(i int) Pos {
			if i < len(l.endpointPos) {
				return l.endpointPos[i]
			}
			return l.Pos
		}
		if len(l.Endpoints) < 2 {
			e.add(l.Pos, "links[%d]: a link needs at least two endpoints, got %d", li, len(l.Endpoints))
			allOK = false
			continue
		}
		if len(l.Endpoints) == 2 && l.Endpoints[0] == l.Endpoints[1] {
			e.add(l.Pos, "links[%d]: %q is linked to itself", li, l.Endpoints[0])
			allOK = false
			continue
		}
		ok := true
		uniq := map[string]bool{}
		for i, ep := range l.Endpoints {
			if _, known := index[ep]; !known && nodesOK {
				e.add(epPos(i), "links[%d]: %q is not a node", li, ep)
				ok = false
			}
			if uniq[ep] {
				e.add(epPos(i), "links[%d]: %q appears twice in this link", li, ep)
				ok = false
			}
			uniq[ep] = true
		}
		if !ok || !nodesOK {
			allOK = false
			continue
		}
		set := append([]string(nil), l.Endpoints...)
		sort.Strings(set)
		key := strings.Join(set, "\x00")
		if prev, dup := seen[key]; dup {
			if p := t.Links[prev].Pos; p.Line > 0 {
				e.add(l.Pos, "links[%d]: duplicate link: %s are already linked at line %d", li, listWords(quoteAll(l.Endpoints), "and"), p.Line)
			} else {
				e.add(l.Pos, "links[%d]: duplicate link: %s are already linked by links[%d]", li, listWords(quoteAll(l.Endpoints), "and"), prev)
			}
			allOK = false
			continue
		}
		seen[key] = li
		first := index[l.Endpoints[0]]
		for _, ep := range l.Endpoints {
			i := index[ep]
			inLink[i] = true
			// A star from the first endpoint is enough for connectivity.
			if i != first {
				adj[first] = append(adj[first], i)
				adj[i] = append(adj[i], first)
			}
		}
	}
	if !allOK || !nodesOK || len(index) != len(t.Nodes) {
		// Something is already reported; connectivity would only echo it.
		return
	}
	start := -1
	for i, n := range t.Nodes {
		if !inLink[i] {
			e.add(n.Pos, "node %q is in no link: link it to another node or remove it", n.Name)
		} else if start < 0 {
			start = i
		}
	}
	if start < 0 {
		return
	}
	seenNode := make([]bool, len(t.Nodes))
	seenNode[start] = true
	queue := []int{start}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, w := range adj[v] {
			if !seenNode[w] {
				seenNode[w] = true
				queue = append(queue, w)
			}
		}
	}
	for i, n := range t.Nodes {
		if inLink[i] && !seenNode[i] {
			e.add(s.links, "links: the graph is not connected: %q cannot reach %q; add a link between the two groups", t.Nodes[start].Name, n.Name)
			return
		}
	}
}

func quoteAll(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = fmt.Sprintf("%q", w)
	}
	return out
}

// parsePool checks a pool and returns it.
func parsePool(pool string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(strings.TrimSpace(pool))
	if err != nil {
		return p, fmt.Errorf("network.pool %q is not a CIDR like %s", pool, DefaultPool)
	}
	if !p.Addr().Is4() {
		return p, fmt.Errorf("network.pool %s is not IPv4: use a private IPv4 block like %s", p, DefaultPool)
	}
	if m := p.Masked(); m != p {
		return p, fmt.Errorf("network.pool %s has host bits set: did you mean %s?", p, m)
	}
	private := false
	for _, b := range privateBlocks {
		if b.Bits() <= p.Bits() && b.Contains(p.Addr()) {
			private = true
		}
	}
	if !private {
		return p, fmt.Errorf("network.pool %s is not a private block: use one inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16", p)
	}
	if p.Bits() > 29 {
		return p, fmt.Errorf("network.pool %s is too small: a segment needs at least a /29", p)
	}
	return p, nil
}

func validatePool(t *Topology, e *errs) {
	if t.src.poolBad {
		return
	}
	if _, err := parsePool(t.Network.Pool); err != nil {
		e.add(t.src.pool, "%v", err)
	}
}
