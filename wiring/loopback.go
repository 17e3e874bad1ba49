package wiring

import (
	"net/netip"
)

// Loopback returns a Remap that gives every node-and-segment pair of a plan
// its own loopback address, 127.<net>.<i/256>.<i%256> counting from 1 in plan
// order, all on one port. It lets a test run a whole topology in one process
// while every node still sees one address per segment. Pick a distinct net
// (1..254) per topology that runs at the same time.
func Loopback(net byte, port int) func(node, segment string, planned netip.Addr) (netip.Addr, int) {
	// Addresses are handed out lazily but deterministically per key, so
	// the same pair always maps to the same address within one Remap.
	assigned := map[string]netip.Addr{}
	next := 1
	return func(node, segment string, _ netip.Addr) (netip.Addr, int) {
		key := node + "\x00" + segment
		if a, ok := assigned[key]; ok {
			return a, port
		}
		a := netip.AddrFrom4([4]byte{127, net, byte(next / 256), byte(next % 256)})
		next++
		assigned[key] = a
		return a, port
	}
}
