package wiring

import (
	"fmt"
	"net/netip"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/topology"
)

// Running is one node as it runs: the config it was handed, and for a node
// that runs a user's own image, that image and command.
type Running struct {
	Config  *agent.Config
	Image   string   // "" for topo's agent
	Command []string // nil: the image's default
	// Addrs are the node's addresses by segment as the engine reports
	// them; PlanOf takes them where the config holds names (ByName).
	Addrs map[string]netip.Addr
}

// Segment is one segment as it runs: its name and its network's subnet.
type Segment struct {
	Name   string
	Subnet netip.Prefix
}

// PlanOf rebuilds the plan that a topology was created from, out of its
// nodes' configs (in plan order) and its segments (in plan order): it is
// NodeConfig read backwards. File is the topo.file label. What no node's
// config holds stays empty: the pool the subnets came from, and the env
// given to users' images.
func PlanOf(name, file string, nodes []Running, segments []Segment) (*topology.Plan, error) {
	if len(nodes) == 0 {
		return nil, fmt.Errorf("wiring: topology %s has no nodes to read a plan from", name)
	}
	first := nodes[0].Config
	p := &topology.Plan{
		Name:     name,
		Layout:   topology.Layout(first.Layout),
		File:     file,
		Routing:  topology.Routing(first.Routing),
		LogLevel: first.LogLevel,
		Traffic: topology.Traffic{
			Protocol: first.Traffic.Protocol,
			Interval: first.Traffic.Interval.D(),
			Size:     first.Traffic.Size,
		},
	}
	segIndex := map[string]int{}
	for i, s := range segments {
		segIndex[s.Name] = i
		p.Segments = append(p.Segments, topology.PlanSegment{
			Name: s.Name, Subnet: s.Subnet, Gateway: s.Subnet.Masked().Addr().Next(), Members: []string{},
		})
	}
	for _, n := range nodes {
		pn, err := planNode(n, p.Segments, segIndex)
		if err != nil {
			return nil, err
		}
		p.Nodes = append(p.Nodes, pn)
	}
	fillNeighborAddrs(p)
	if p.Routing == topology.RoutingIP {
		topology.RouteIP(p)
	}
	return p, nil
}

// planNode reads one node's plan entry back from its config, and adds it to
// the members of its segments.
func planNode(n Running, segs []topology.PlanSegment, segIndex map[string]int) (topology.PlanNode, error) {
	c := n.Config
	pn := topology.PlanNode{
		Name: c.Name, Role: c.Role, Image: n.Image, Command: n.Command,
		Addresses: map[string]netip.Addr{}, Neighbors: []topology.PlanNeighbor{}, Routes: c.Routes,
	}
	if pn.Routes == nil {
		pn.Routes = map[string]string{}
	}
	for _, s := range c.Segments {
		a, err := readAddr(s.Addr, n.Addrs[s.Name])
		if err != nil {
			return pn, fmt.Errorf("wiring: node %s on %s: %w", c.Name, s.Name, err)
		}
		pn.Addresses[s.Name] = a
		i, ok := segIndex[s.Name]
		if !ok {
			return pn, fmt.Errorf("wiring: node %s is on segment %s, which does not exist", c.Name, s.Name)
		}
		segs[i].Members = append(segs[i].Members, c.Name)
		segs[i].Shared = s.Shared
		// A link impaired one way (ImpairFrom) is impaired in the config
		// of one of its two ends alone.
		if imp := (topology.Impairment{Delay: s.Impairment.Delay.D(), Jitter: s.Impairment.Jitter.D(), Loss: s.Impairment.Loss,
			Rate: s.Impairment.Rate}); !imp.IsZero() {
			segs[i].ImpairFrom = ""
			if segs[i].Impairment.IsZero() { // no member before had it
				segs[i].ImpairFrom = c.Name
			}
			segs[i].Impairment = imp
		}
	}
	for _, nb := range c.Neighbors {
		a, err := readAddr(nb.Addr, netip.Addr{}) // a name is filled in by fillNeighborAddrs
		if err != nil {
			return pn, fmt.Errorf("wiring: node %s, neighbour %s: %w", c.Name, nb.Name, err)
		}
		pn.Neighbors = append(pn.Neighbors, topology.PlanNeighbor{Name: nb.Name, Segment: nb.Segment, Addr: a, Dial: nb.Dial})
	}
	return pn, nil
}

// readAddr reads an address from a config: an IP, or a name (ByName), for
// which the engine's address stands, zero when it reports none (a node
// that is not running).
func readAddr(s string, engineAddr netip.Addr) (netip.Addr, error) {
	if IsName(s) {
		return engineAddr, nil
	}
	return netip.ParseAddr(s)
}

// fillNeighborAddrs gives each neighbour known by name the address its
// node has on the segment they share.
func fillNeighborAddrs(p *topology.Plan) {
	for i := range p.Nodes {
		for j, nb := range p.Nodes[i].Neighbors {
			if nb.Addr.IsValid() {
				continue
			}
			if other, ok := p.Node(nb.Name); ok {
				p.Nodes[i].Neighbors[j].Addr = other.Addresses[nb.Segment]
			}
		}
	}
}
