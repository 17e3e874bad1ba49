// Package netns acts on the network namespace it runs in: it installs IP
// routes and turns reverse-path filtering off, over rtnetlink, and makes a
// fault filter (frames to drop, by their Ethernet source) out of an
// nftables table, over nfnetlink, with nothing but CAP_NET_ADMIN. It is
// what a short-lived helper container runs after joining a node's
// namespace (docker run --network container:<node> --cap-drop ALL
// --cap-add NET_ADMIN), where /proc/sys is read-only and no ip or nft tool
// may exist, so it builds the netlink messages itself and checks the
// kernel's answer to each one.
package netns

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// Route is one IPv4 route: to the subnet To through the gateway Via, which
// must be on a subnet the namespace is connected to; the kernel picks the
// device from it.
type Route struct {
	To  netip.Prefix
	Via netip.Addr
}

// String is the route as people read it: "10.210.0.16/29 via 10.210.0.2".
func (r Route) String() string { return r.To.String() + " via " + r.Via.String() }

// ParseRoute parses "TO=VIA", the form agent.Route.String writes: an IPv4
// subnet in CIDR notation, without host bits, and an IPv4 unicast address.
func ParseRoute(s string) (Route, error) {
	to, via, ok := strings.Cut(s, "=")
	if !ok {
		return Route{}, fmt.Errorf("route %q: want TO=VIA, e.g. 10.210.0.16/29=10.210.0.2", s)
	}
	p, err := netip.ParsePrefix(strings.TrimSpace(to))
	if err != nil {
		return Route{}, fmt.Errorf("route %q: subnet: %w", s, err)
	}
	if !p.Addr().Is4() {
		return Route{}, fmt.Errorf("route %q: subnet %s is not IPv4", s, p)
	}
	if m := p.Masked(); m != p {
		return Route{}, fmt.Errorf("route %q: subnet %s has host bits set; did you mean %s?", s, p, m)
	}
	a, err := netip.ParseAddr(strings.TrimSpace(via))
	if err != nil {
		return Route{}, fmt.Errorf("route %q: gateway: %w", s, err)
	}
	if !a.Is4() {
		return Route{}, fmt.Errorf("route %q: gateway %s is not IPv4", s, a)
	}
	if a.IsUnspecified() || a.IsMulticast() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return Route{}, fmt.Errorf("route %q: gateway %s is not a unicast address", s, a)
	}
	return Route{To: p, Via: a}, nil
}

// ParseRoutes parses every argument and reports every bad one at once.
func ParseRoutes(args []string) ([]Route, error) {
	var routes []Route
	var errs []error
	seen := map[netip.Prefix]netip.Addr{}
	for _, a := range args {
		r, err := ParseRoute(a)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if via, ok := seen[r.To]; ok {
			if via != r.Via {
				errs = append(errs, fmt.Errorf("route %q: %s is routed via %s already; one gateway per subnet", a, r.To, via))
			}
			continue
		}
		seen[r.To] = r.Via
		routes = append(routes, r)
	}
	return routes, errors.Join(errs...)
}
