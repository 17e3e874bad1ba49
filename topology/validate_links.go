package topology

import (
	"fmt"
	"sort"
	"strings"
)

// validateLinks checks links: against the layout and the nodes: a custom
// layout needs them, every other layout refuses them. index maps each node
// name to its first node; nodesOK is false when nodes: failed to decode,
// and then links are not held against the nodes that are missing.
func validateLinks(t *Topology, e *errs, index map[string]int, nodesOK bool) {
	if !linksWanted(t, e) {
		return
	}
	s := &t.src
	if len(t.Links) > MaxSegments {
		e.add(s.links, "links: %d links make as many Docker networks, more than the %d a topology may have: Docker creates networks one at a time (about 70ms each); put nodes that talk among themselves on one shared segment, like - [a, b, c, d]", len(t.Links), MaxSegments)
	}
	allOK := !s.linksBad && nodesOK
	lc := linkCheck{t: t, e: e, index: index, nodesOK: nodesOK,
		seen:   map[string]int{},
		adj:    make([][]int, len(t.Nodes)),
		inLink: make([]bool, len(t.Nodes)),
	}
	for li := range t.Links {
		if !lc.link(li) {
			allOK = false
		}
	}
	if !allOK || len(index) != len(t.Nodes) {
		// Something is already reported; connectivity would only echo it.
		return
	}
	lc.connected()
}

// linksWanted reports links: where the layout has none, or their absence
// where it needs them, and whether there are links left to check.
func linksWanted(t *Topology, e *errs) bool {
	s := &t.src
	if t.Layout != Custom {
		if len(t.Links) > 0 || s.linksSet {
			e.add(s.links, "links: is only for layout custom; layout %s wires its nodes itself: remove links: or set layout: custom", t.Layout)
		}
		return false
	}
	if len(t.Links) == 0 {
		if !s.linksBad {
			p := s.links
			if p == (Pos{}) {
				p = s.top
			}
			e.add(p, "layout custom needs links: list which nodes connect, like - [a, b]")
		}
		return false
	}
	return true
}

// linkCheck checks a custom layout's links one by one, building the graph
// of the good ones for the connectivity check that follows.
type linkCheck struct {
	t       *Topology
	e       *errs
	index   map[string]int
	nodesOK bool

	seen   map[string]int // the first link over each set of nodes
	adj    [][]int        // node -> nodes it shares a link with
	inLink []bool         // node -> it is in some link
}

// link checks links[li] and reports whether it is good.
func (c *linkCheck) link(li int) bool {
	l := c.t.Links[li]
	if len(l.Endpoints) < 2 {
		c.e.add(l.Pos, "links[%d]: a link needs at least two endpoints, got %d", li, len(l.Endpoints))
		return false
	}
	if len(l.Endpoints) == 2 && l.Endpoints[0] == l.Endpoints[1] {
		c.e.add(l.Pos, "links[%d]: %q is linked to itself", li, l.Endpoints[0])
		return false
	}
	if !c.endpoints(li) || !c.nodesOK {
		return false
	}
	set := append([]string(nil), l.Endpoints...)
	sort.Strings(set)
	key := strings.Join(set, "\x00")
	if prev, dup := c.seen[key]; dup {
		if p := c.t.Links[prev].Pos; p.Line > 0 {
			c.e.add(l.Pos, "links[%d]: duplicate link: %s are already linked at line %d", li, listWords(quoteAll(l.Endpoints), "and"), p.Line)
		} else {
			c.e.add(l.Pos, "links[%d]: duplicate link: %s are already linked by links[%d]", li, listWords(quoteAll(l.Endpoints), "and"), prev)
		}
		return false
	}
	c.seen[key] = li
	first := c.index[l.Endpoints[0]]
	for _, ep := range l.Endpoints {
		i := c.index[ep]
		c.inLink[i] = true
		// A star from the first endpoint is enough for connectivity.
		if i != first {
			c.adj[first] = append(c.adj[first], i)
			c.adj[i] = append(c.adj[i], first)
		}
	}
	return true
}

// endpoints reports endpoints of links[li] that are no node or appear
// twice, and whether there were none.
func (c *linkCheck) endpoints(li int) bool {
	l := c.t.Links[li]
	ok := true
	uniq := map[string]bool{}
	for i, ep := range l.Endpoints {
		p := l.Pos
		if i < len(l.endpointPos) {
			p = l.endpointPos[i]
		}
		if _, known := c.index[ep]; !known && c.nodesOK {
			c.e.add(p, "links[%d]: %q is not a node", li, ep)
			ok = false
		}
		if uniq[ep] {
			c.e.add(p, "links[%d]: %q appears twice in this link", li, ep)
			ok = false
		}
		uniq[ep] = true
	}
	return ok
}

// connected reports nodes in no link, and the first node the linked ones
// cannot reach.
func (c *linkCheck) connected() {
	t := c.t
	start := -1
	for i, n := range t.Nodes {
		if !c.inLink[i] {
			c.e.add(n.Pos, "node %q is in no link: link it to another node or remove it", n.Name)
		} else if start < 0 {
			start = i
		}
	}
	if start < 0 {
		return
	}
	reached := make([]bool, len(t.Nodes))
	reached[start] = true
	queue := []int{start}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, w := range c.adj[v] {
			if !reached[w] {
				reached[w] = true
				queue = append(queue, w)
			}
		}
	}
	for i, n := range t.Nodes {
		if c.inLink[i] && !reached[i] {
			c.e.add(t.src.links, "links: the graph is not connected: %q cannot reach %q; add a link between the two groups", t.Nodes[start].Name, n.Name)
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
