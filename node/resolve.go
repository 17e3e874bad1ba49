package node

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/transport"
)

// On an engine that picks addresses itself (a swarm), a node's config
// names its peers (<topology>-<segment>-<node>, an alias on that segment's
// network) instead of giving their addresses, and names itself too. The
// agent turns the names into addresses before it binds: its own is the
// address of its interface inside the segment's subnet (never "eth0":
// the engine numbers interfaces as it likes), a peer's is what the
// engine's DNS answers inside that subnet. A peer that has no address
// yet (its task is still starting) is asked again until ctx ends. A node
// dials its neighbours by name from then on (dialTarget), so that one the
// engine restarted at another address is found again.

// nameResolver answers what an address name stands for; net.Resolver in
// a container, a fake in tests.
type nameResolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// interfaceAddrs lists the host's interface addresses; net.InterfaceAddrs
// in a container, a fake in tests.
type interfaceAddrs func() ([]netip.Prefix, error)

// resolveWait bounds the pause between two asks for a name.
const resolveWait = time.Second

// resolveNames returns cfg with every address name replaced by an address,
// or cfg itself when it names none.
func resolveNames(ctx context.Context, cfg *agent.Config, r nameResolver, ifaces interfaceAddrs, log *slog.Logger) (*agent.Config, error) {
	if !namesAddresses(cfg) {
		return cfg, nil
	}
	out := *cfg
	out.Segments = append([]agent.Segment(nil), cfg.Segments...)
	out.Neighbors = append([]agent.Neighbor(nil), cfg.Neighbors...)
	subnets := map[string]netip.Prefix{}
	for i := range out.Segments {
		s := &out.Segments[i]
		sub, err := netip.ParsePrefix(s.Subnet)
		if err != nil {
			return nil, fmt.Errorf("segment %q: subnet %q: %w", s.Name, s.Subnet, err)
		}
		subnets[s.Name] = sub
		if isName(s.Addr) {
			own, err := ownAddr(ctx, sub, ifaces)
			if err != nil {
				return nil, fmt.Errorf("segment %q: %w", s.Name, err)
			}
			s.Addr = own.String()
		}
		s.Members = append([]agent.Neighbor(nil), s.Members...)
		for j := range s.Members {
			if err := resolvePeer(ctx, &s.Members[j], sub, r, log); err != nil {
				return nil, err
			}
		}
	}
	for i := range out.Neighbors {
		nb := &out.Neighbors[i]
		if err := resolvePeer(ctx, nb, subnets[nb.Segment], r, log); err != nil {
			return nil, err
		}
	}
	return &out, nil
}

// namesAddresses reports whether any address in cfg is a name.
func namesAddresses(cfg *agent.Config) bool {
	for _, s := range cfg.Segments {
		if isName(s.Addr) {
			return true
		}
		for _, m := range s.Members {
			if isName(m.Addr) {
				return true
			}
		}
	}
	for _, nb := range cfg.Neighbors {
		if isName(nb.Addr) {
			return true
		}
	}
	return false
}

func isName(addr string) bool {
	_, err := netip.ParseAddr(addr)
	return addr != "" && err != nil
}

// ownAddr is the address of this host's interface inside sub.
func ownAddr(ctx context.Context, sub netip.Prefix, ifaces interfaceAddrs) (netip.Addr, error) {
	for {
		list, err := ifaces()
		if err != nil {
			return netip.Addr{}, fmt.Errorf("interface addresses: %w", err)
		}
		for _, p := range list {
			if sub.Contains(p.Addr()) {
				return p.Addr(), nil
			}
		}
		// The engine attaches every network before the process starts;
		// wait a little in case one is late, then say so.
		select {
		case <-ctx.Done():
			return netip.Addr{}, fmt.Errorf("no interface inside %s (have %v): %w", sub, list, ctx.Err())
		case <-time.After(resolveWait):
		}
	}
}

// resolvePeer replaces a peer's address name with the address the
// engine's DNS gives it inside sub (any, when sub is not known), asking
// again until it has one or ctx ends.
func resolvePeer(ctx context.Context, nb *agent.Neighbor, sub netip.Prefix, r nameResolver, log *slog.Logger) error {
	if !isName(nb.Addr) {
		return nil
	}
	name := nb.Addr
	for wait, asked := 50*time.Millisecond, 0; ; wait, asked = min(2*wait, resolveWait), asked+1 {
		addrs, err := r.LookupNetIP(ctx, "ip4", name)
		for _, a := range addrs {
			if a = a.Unmap(); !sub.IsValid() || sub.Contains(a) {
				nb.Addr = a.String()
				return nil
			}
		}
		if asked == 10 {
			log.Warn("waiting for a peer's address", "peer", nb.Name, "name", name, "err", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("peer %q: no address for %s inside %s: %v: %w", nb.Name, name, sub, err, ctx.Err())
		case <-time.After(wait):
		}
	}
}

// peerNames maps each neighbour named by an address name to that name,
// by neighbour and segment (peerKey), so that the agent dials it by name:
// a peer restarted by the engine comes back at another address, which a
// dial by name finds where the address resolved at start does not.
func peerNames(cfg *agent.Config) map[string]string {
	var out map[string]string
	for _, nb := range cfg.Neighbors {
		if isName(nb.Addr) {
			if out == nil {
				out = map[string]string{}
			}
			out[transport.PeerKey(nb.Name, nb.Segment)] = nb.Addr
		}
	}
	return out
}

// systemInterfaceAddrs is net.InterfaceAddrs as prefixes.
func systemInterfaceAddrs() ([]netip.Prefix, error) {
	list, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	var out []netip.Prefix
	for _, a := range list {
		if ipn, ok := a.(*net.IPNet); ok {
			if addr, ok := netip.AddrFromSlice(ipn.IP); ok {
				ones, _ := ipn.Mask.Size()
				out = append(out, netip.PrefixFrom(addr.Unmap(), ones))
			}
		}
	}
	return out, nil
}

// ResolveNames returns cfg with every address name replaced by the address
// this host's interfaces and the engine's DNS give it, or cfg itself when
// it names none; WithNamesOf(cfg) then lets the agent dial by name.
func ResolveNames(ctx context.Context, cfg *agent.Config, log *slog.Logger) (*agent.Config, error) {
	return resolveNames(ctx, cfg, net.DefaultResolver, systemInterfaceAddrs, log)
}
