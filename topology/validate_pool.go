package topology

import (
	"fmt"
	"net/netip"
	"strings"
)

var privateBlocks = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
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

// validatePool checks Network.Pool and keeps the prefix on t for planning.
// Only a valid pool is kept, so a kept one for the same text needs no
// second look.
func validatePool(t *Topology, e *errs) {
	if t.src.poolBad || t.pool.text == t.Network.Pool && t.pool.prefix.IsValid() {
		return
	}
	p, err := parsePool(t.Network.Pool)
	if err != nil {
		e.add(t.src.pool, "%v", err)
		return
	}
	t.pool = parsedPool{text: t.Network.Pool, prefix: p}
}

// CheckPool checks a pool given outside a file (a command's flag) by the
// rules of network.pool.
func CheckPool(pool string) error {
	_, err := parsePool(pool)
	return err
}
