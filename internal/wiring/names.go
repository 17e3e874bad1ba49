package wiring

import (
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
)

// maxLabel is the longest DNS label: a resolver refuses a longer name part.
const maxLabel = 63

// Alias is the DNS name of a node on one segment, when the engine picks
// addresses (Options.ByName): <topology>-<segment>-<node>, unique per
// segment and resolvable on that segment's network alone. A name longer
// than a DNS label keeps its first characters and ends in a hash of the
// whole, so that it stays unique and resolvable.
func Alias(topology, segment, node string) string {
	name := topology + "-" + segment + "-" + node
	if len(name) <= maxLabel {
		return name
	}
	sum := sha256.Sum256([]byte(topology + "\x00" + segment + "\x00" + node))
	h := hex.EncodeToString(sum[:])[:10]
	return name[:maxLabel-len(h)-1] + "-" + h
}

// IsName reports whether an address in a node's config is a DNS name
// (Options.ByName) rather than an IP address.
func IsName(addr string) bool {
	_, err := netip.ParseAddr(addr)
	return addr != "" && err != nil
}
