// Package wiring turns a topology plan into the config each node runs with.
//
// It is the one place where the plan's view of a node (segments, neighbours,
// routes) becomes the node agent's view, so that the orchestrator, the compose
// exporter and the agent's in-process tests hand nodes the same facts.
package wiring

import (
	"encoding/hex"
	"fmt"
	"maps"
	"net/netip"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/topology"
)

// Options adjust the config for where the nodes really run.
type Options struct {
	// Remap replaces a plan address with the address and port a node
	// really uses on a segment. Tests that run many nodes on loopback use it;
	// nil keeps the plan's addresses and the default port.
	Remap func(node, segment string, planned netip.Addr) (netip.Addr, int)
	// NoBroadcast leaves shared segments without a broadcast address, so
	// that nodes send one datagram per member (loopback has no broadcast).
	NoBroadcast bool
	// Secret is the topology's master secret, 64 hex digits. It never
	// goes into a config: a node that runs topo's agent gets the key of
	// each of its segments (agent.Segment.Key, derived by
	// agent.SegmentKey), and a node that runs a user's own image gets no
	// key at all, so that it cannot speak for another node. Empty leaves
	// the agents' proof off.
	Secret string
	// ByName is for an engine that picks addresses itself (a swarm): every
	// address in the config is the node's Alias on that segment, which the
	// agent resolves through the engine's DNS (and its own, through the
	// interface inside the segment's subnet), and shared segments get no
	// broadcast address, since the engine's networks do not carry one.
	// Remap is ignored.
	ByName bool
}

// NodeConfig returns the config of the named node.
func NodeConfig(p *topology.Plan, name string, opts Options) (*agent.Config, error) {
	pn, ok := p.Node(name)
	if !ok {
		return nil, fmt.Errorf("wiring: no node %q in plan %q", name, p.Name)
	}
	secret, err := agentSecret(pn, opts.Secret)
	if err != nil {
		return nil, err
	}
	addr := func(nodeName, seg string, a netip.Addr) (string, int) {
		if opts.ByName {
			return Alias(p.Name, seg, nodeName), 0
		}
		if opts.Remap == nil {
			return a.String(), 0
		}
		r, port := opts.Remap(nodeName, seg, a)
		return r.String(), port
	}

	cfg := &agent.Config{
		Version:  agent.ConfigVersion,
		Topology: p.Name,
		Name:     pn.Name,
		Role:     pn.Role,
		Layout:   string(p.Layout),
		Routes:   maps.Clone(pn.Routes),
		Routing:  string(p.Routing),
		Foreign:  foreign(p, pn.Name),
		LogLevel: p.LogLevel,
		Traffic: agent.Traffic{
			Protocol: p.Traffic.Protocol,
			Interval: agent.Duration(p.Traffic.Interval),
			Size:     p.Traffic.Size,
		},
	}

	cfg.Segments, cfg.Port = segments(p, pn, secret, opts, addr)

	for _, nb := range pn.Neighbors {
		a, port := addr(nb.Name, nb.Segment, nb.Addr)
		cfg.Neighbors = append(cfg.Neighbors, agent.Neighbor{
			Name: nb.Name, Addr: a, Segment: nb.Segment, Dial: nb.Dial, Port: port,
		})
	}

	if p.Layout == topology.Ring {
		cfg.Ring = ringOf(p, pn)
	}
	return cfg, nil
}

// addrFunc names the address at which a node is reached on a segment, and
// the port when the node is remapped (0 otherwise).
type addrFunc func(nodeName, seg string, a netip.Addr) (string, int)

// segments returns the node's segments as its agent sees them, and the port
// it listens on when remapped.
func segments(p *topology.Plan, pn *topology.PlanNode, secret []byte, opts Options, addr addrFunc) (segs []agent.Segment, listen int) {
	for _, seg := range p.Segments {
		own, ok := pn.Addresses[seg.Name]
		if !ok {
			continue
		}
		a, port := addr(pn.Name, seg.Name, own)
		if port != 0 && listen == 0 {
			// Remapped nodes listen on the port of their first segment.
			listen = port
		}
		s := agent.Segment{Name: seg.Name, Addr: a, Subnet: seg.Subnet.String(), Shared: seg.Shared}
		if seg.ImpairFrom == "" || seg.ImpairFrom == pn.Name {
			s.Impairment = impairment(seg.Impairment) // a link impaired one way: the other end sends unimpaired
		}
		if secret != nil {
			s.Key = agent.SegmentKey(secret, seg.Name)
		}
		if seg.Shared {
			if !opts.NoBroadcast && !opts.ByName {
				s.Broadcast = lastAddr(seg.Subnet).String()
			}
			for _, m := range seg.Members {
				if m == pn.Name {
					continue
				}
				other, _ := p.Node(m)
				ma, mport := addr(m, seg.Name, other.Addresses[seg.Name])
				s.Members = append(s.Members, agent.Neighbor{Name: m, Addr: ma, Segment: seg.Name, Port: mport})
			}
		}
		segs = append(segs, s)
	}
	return segs, listen
}

// agentSecret is the secret to derive a node's segment keys from: nil for
// a node that runs a user's own image, which gets no key, or when there is
// no secret. It never quotes the secret in an error.
func agentSecret(pn *topology.PlanNode, secret string) ([]byte, error) {
	if secret == "" || pn.Image != "" {
		return nil, nil
	}
	b, err := hex.DecodeString(secret)
	if err != nil || len(b)*2 != agent.KeyLen {
		return nil, fmt.Errorf("wiring: the topology's secret is not %d hex digits", agent.KeyLen)
	}
	return b, nil
}

// impairment is a segment's impairment as the agent applies it.
func impairment(i topology.Impairment) agent.Impairment {
	return agent.Impairment{Delay: agent.Duration(i.Delay), Jitter: agent.Duration(i.Jitter), Loss: i.Loss, Rate: i.Rate}
}

// ringOf finds a node's place in the ring: it dials its successor.
func ringOf(p *topology.Plan, pn *topology.PlanNode) *agent.Ring {
	r := &agent.Ring{Leader: p.Nodes[0].Name == pn.Name}
	for _, nb := range pn.Neighbors {
		if nb.Dial {
			r.Successor = nb.Name
		} else {
			r.Predecessor = nb.Name
		}
	}
	return r
}

// lastAddr is the directed broadcast address of a subnet.
func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr().As4()
	host := 32 - p.Bits()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v |= (1 << host) - 1
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// foreign lists the nodes other than self that run a user's own image.
func foreign(p *topology.Plan, self string) []string {
	var out []string
	for _, n := range p.Nodes {
		if n.Image != "" && n.Name != self {
			out = append(out, n.Name)
		}
	}
	return out
}
