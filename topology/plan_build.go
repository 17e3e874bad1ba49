package topology

import (
	"errors"
	"slices"
	"sort"
	"strconv"
)

// BuildPlan validates t and derives its Plan: the segments that wire the
// layout, a subnet for each from the pool, an address per member, each
// node's neighbours and its next hop toward every other node.
//
// A Topology built in Go rather than loaded may leave out roles (the layout
// assigns them), Traffic.Protocol (TCP), Traffic.Size (DefaultSize) and
// Network.Pool (DefaultPool); a zero Traffic.Interval means no background
// traffic. t itself is not modified.
//
// A Topology from Load or Parse was validated there; BuildPlan checks it
// again only as far as it has changed since: the name, when opts.Name gives
// another, or everything, when a caller changed its content.
//
// An invalid topology, or a pool it does not fit in, yields an ErrorList.
func BuildPlan(t *Topology, opts PlanOptions) (*Plan, error) {
	if t == nil {
		return nil, errors.New("topology: BuildPlan of a nil Topology")
	}
	c := *t
	c.Nodes = append([]Node(nil), t.Nodes...)
	normalize(&c)
	e := &errs{file: t.File}
	checkForPlan(&c, opts.Name, e)
	if err := e.err(); err != nil {
		return nil, err
	}
	p := plan(&c, opts, e)
	if err := e.err(); err != nil {
		return nil, err
	}
	return p, nil
}

// checkForPlan validates c, a normalized copy, as BuildPlan is about to
// plan it under the given name (empty: its own). Parse has validated a
// loaded Topology in full already; while its content is still what was
// validated, only the checks a new name can fail are run again. A Topology
// built in Go, or changed since it was loaded (topotest, say, sets the
// traffic protocol), is validated in full.
func checkForPlan(c *Topology, name string, e *errs) {
	trusted := c.valid != (digest{}) && c.valid == c.digest()
	renamed := name != "" && name != c.Name
	if name != "" {
		c.Name = name
		c.src.name, c.src.nameFromFile, c.src.nameFromOption = Pos{}, false, true
	}
	switch {
	case !trusted:
		validate(c, e)
	case renamed:
		validateName(c, e)
	}
}

// plan derives the Plan of a valid, normalized topology. Only allocation
// can still fail, against the subnets in opts.Avoid.
func plan(t *Topology, opts PlanOptions, e *errs) *Plan {
	sh := wire(t)
	subnets, ok := allocate(t, sh.segs, opts, e)
	if !ok {
		return nil
	}
	p := &Plan{
		Name:     t.Name,
		Layout:   t.Layout,
		File:     t.File,
		Traffic:  t.Traffic,
		Pool:     t.pool.prefix,
		Routing:  t.Network.Routing,
		LogLevel: t.LogLevel,
		Faults:   slices.Clone(t.Faults),
	}
	var at addressing
	p.Segments, at = address(t.Nodes, sh.segs, subnets)
	adj, graph := adjacency(len(t.Nodes), sh.pairs)
	hops := sh.nextHops
	if hops == nil {
		hops = nextHops
	}
	for i := range t.Nodes {
		p.Nodes = append(p.Nodes, planNode(t.Nodes, i, at, adj[i], hops(graph, i)))
	}
	if t.src.parsed && !t.src.intervalSet && t.Traffic.Interval == DefaultInterval { // not set, in the file or since
		p.Traffic.Interval = DefaultIntervalFor(p)
	}
	if p.Routing == RoutingIP {
		RouteIP(p)
	}
	return p
}

// wire runs the layout's planner and settles its segments: unique names,
// and members in plan order.
func wire(t *Topology) shape {
	sh := layoutPlanners[t.Layout](t)
	uniqueNames(sh.segs)
	for i := range sh.segs {
		sort.Ints(sh.segs[i].members)
	}
	return sh
}

// uniqueNames gives colliding segment names (nodes "a-b"+"c" and "a"+"b-c"
// both make "a-b-c") a numeric suffix, in segment order. A suffixed name
// never takes a name another segment has by right.
func uniqueNames(segs []seg) {
	natural := make(map[string]bool, len(segs))
	for _, s := range segs {
		natural[s.name] = true
	}
	taken := make(map[string]bool, len(segs))
	for i := range segs {
		name := segs[i].name
		if taken[name] {
			for k := 2; ; k++ {
				c := name + "-" + strconv.Itoa(k)
				if !taken[c] && !natural[c] {
					name = c
					break
				}
			}
		}
		taken[name] = true
		segs[i].name = name
	}
}
