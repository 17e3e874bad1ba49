package topology

import (
	"maps"
	"math/bits"
	"net/netip"
	"slices"
	"sort"
)

// blockBits is the prefix length of the smallest block that holds members
// containers plus the network, gateway and broadcast addresses: at least a
// /29.
func blockBits(members int) int {
	need := uint32(members + 3)
	b := 32 - bits.Len32(need-1) // smallest power of two >= need
	return min(b, 29)
}

// segBits is blockBits of a segment whose engine takes engineAddrs more
// addresses for each member (see PlanOptions.EngineAddrs).
func segBits(s seg, engineAddrs int) int {
	return blockBits(len(s.members) * (1 + engineAddrs))
}

// span is a range of IPv4 addresses [lo, hi).
type span struct{ lo, hi uint64 }

// spans is a sorted list of disjoint spans.
type spans []span

func (s *spans) add(x span) {
	l := *s
	i := sort.Search(len(l), func(i int) bool { return l[i].hi >= x.lo })
	j := i
	for j < len(l) && l[j].lo <= x.hi {
		x.lo, x.hi = min(x.lo, l[j].lo), max(x.hi, l[j].hi)
		j++
	}
	out := append(append(append(spans(nil), l[:i]...), x), l[j:]...)
	*s = out
}

// fit returns the first block of size that is aligned, inside [lo, hi) and
// clear of every span.
func (s spans) fit(lo, hi, size uint64) (uint64, bool) {
	c := (lo + size - 1) / size * size
	for c+size <= hi {
		k := sort.Search(len(s), func(i int) bool { return s[i].hi > c })
		if k == len(s) || s[k].lo >= c+size {
			return c, true
		}
		c = (s[k].hi + size - 1) / size * size
	}
	return 0, false
}

func toSpan(p netip.Prefix) span {
	a := p.Masked().Addr().As4()
	lo := uint64(a[0])<<24 | uint64(a[1])<<16 | uint64(a[2])<<8 | uint64(a[3])
	return span{lo, lo + 1<<(32-p.Bits())}
}

func fromU(v uint64, bits int) netip.Prefix {
	a := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	return netip.PrefixFrom(a, bits)
}

// allocate gives each segment, in order, the first free aligned block of
// its size in the pool, or the subnet opts.Keep pins it to. When the file
// set no pool of its own, it steers clear of the subnets in opts.Avoid;
// when it did, it reports an overlap.
func allocate(t *Topology, segs []seg, opts PlanOptions, e *errs) ([]netip.Prefix, bool) {
	engineAddrs := max(opts.EngineAddrs, 0)
	ps := toSpan(t.pool.prefix)
	used := inUse(opts.Avoid)
	var busy spans
	if !t.Network.PoolSet {
		for _, a := range used {
			busy.add(toSpan(a))
		}
	}
	for _, k := range inUse(slices.Collect(maps.Values(opts.Keep))) {
		busy.add(toSpan(k))
	}
	out := make([]netip.Prefix, len(segs))
	for i, s := range segs {
		b := segBits(s, engineAddrs)
		if k, ok := kept(opts.Keep, s.name, b, ps); ok {
			out[i] = k
			continue
		}
		size := uint64(1) << (32 - b)
		lo, ok := busy.fit(ps.lo, ps.hi, size)
		if !ok {
			noRoom(t, segs, i, len(used) > 0, engineAddrs, e)
			return nil, false
		}
		busy.add(span{lo, lo + size})
		out[i] = fromU(lo, b)
	}
	if t.Network.PoolSet {
		overlaps(t, segs, out, used, e)
	}
	return out, true
}

// kept is the subnet keep pins a segment to, while it still has the
// segment's size (bits) and lies in the pool.
func kept(keep map[string]netip.Prefix, name string, bits int, pool span) (netip.Prefix, bool) {
	k, ok := keep[name]
	if !ok || !k.Addr().Is4() || k.Bits() != bits {
		return netip.Prefix{}, false
	}
	k = k.Masked()
	sp := toSpan(k)
	return k, sp.lo >= pool.lo && sp.hi <= pool.hi
}

// inUse keeps the IPv4 subnets of avoid (IPv4-mapped IPv6 ones too), masked.
func inUse(avoid []netip.Prefix) []netip.Prefix {
	var used []netip.Prefix
	for _, a := range avoid {
		switch {
		case !a.IsValid():
		case a.Addr().Is4():
			used = append(used, a.Masked())
		case a.Addr().Is4In6() && a.Bits() >= 96:
			used = append(used, netip.PrefixFrom(a.Addr().Unmap(), a.Bits()-96).Masked())
		}
	}
	return used
}

// noRoom reports that segment i found no block, and what pool would do:
// one that holds every segment. A full default pool is the engine's doing,
// not the file's, so it is reported at the top rather than at network.pool.
func noRoom(t *Topology, segs []seg, i int, othersInUse bool, engineAddrs int, e *errs) {
	var need uint64
	for _, s := range segs {
		need += uint64(1) << (32 - segBits(s, engineAddrs))
	}
	nb := 32 - bits.Len64(need-1)
	pool := t.pool.prefix
	if t.Network.PoolSet || !othersInUse {
		e.add(t.src.pool, "network.pool %s is too small: the %d segments need %d addresses, a /%d at least; choose a larger pool", pool, len(segs), need, nb)
		return
	}
	e.add(t.src.top, "no room left in the default pool %s for segment %q (a /%d) beside the subnets already in use: set network.pool to a free private block of at least a /%d", pool, segs[i].name, segBits(segs[i], engineAddrs), nb)
}

// overlaps reports, for each subnet in use, the first segment of a
// file-set pool that overlaps it.
func overlaps(t *Topology, segs []seg, subnets, used []netip.Prefix, e *errs) {
	for _, a := range used {
		for i, sn := range subnets {
			if sn.Overlaps(a) {
				e.add(t.src.pool, "segment %q would get subnet %s, which overlaps %s already in use: choose another network.pool", segs[i].name, sn, a)
				break
			}
		}
	}
}
