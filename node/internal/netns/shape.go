package netns

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/topo-dev/topo/agent"
)

// Shaping: a token bucket filter (tbf) as the root qdisc of an interface
// lets what every process sends through it leave at most at a rate. This
// kernel has tbf but no netem: rates hold for every process, delays only
// for the agents' frames, which delay themselves.

// Shape is one shape rule, checked: the interface that holds Local sends
// at most Rate bits per second; 0 removes the shaping.
type Shape struct {
	Rule  agent.ShapeRule // as given, to name it in messages
	Local netip.Addr
	Rate  uint64
}

// ParseShapes parses the shape rules among args (agent.IsShapeRule) and
// reports every bad one at once; the other arguments are filter rules,
// returned as they are.
func ParseShapes(args []string) (shapes []Shape, rest []string, err error) {
	var errs []error
	seen := map[netip.Addr]bool{}
	for _, a := range args {
		if !agent.IsShapeRule(a) {
			rest = append(rest, a)
			continue
		}
		r, err := agent.ParseShapeRule(a)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		local, err := netip.ParseAddr(strings.TrimSpace(r.Local))
		if err != nil || !local.Is4() {
			errs = append(errs, fmt.Errorf("shape rule %q: local address %q is not an IPv4 address", a, r.Local))
			continue
		}
		if seen[local] {
			errs = append(errs, fmt.Errorf("shape rule %q: %s is shaped by another rule already", a, local))
			continue
		}
		seen[local] = true
		shapes = append(shapes, Shape{Rule: r, Local: local, Rate: r.Rate})
	}
	return shapes, rest, errors.Join(errs...)
}

// formatRate writes bits per second as topology.FormatRate does (node
// does not import topology): 1000000 is "1mbit".
func formatRate(bits uint64) string {
	for _, u := range []struct {
		name string
		mult uint64
	}{{"gbit", 1e9}, {"mbit", 1e6}, {"kbit", 1e3}} {
		if bits != 0 && bits%u.mult == 0 {
			return fmt.Sprintf("%d%s", bits/u.mult, u.name)
		}
	}
	return fmt.Sprintf("%dbit", bits)
}

// tbf is how a rate becomes a token bucket: a burst of a fiftieth of a
// second's worth, two full frames at least, so that a frame always fits;
// and a queue of a quarter second's worth over the burst, beyond which the
// kernel drops (TCP backs off, as on a slow link).
func tbf(rate uint64) (bytesPerSec uint64, burst, limit uint32) {
	bytesPerSec = max(1, rate/8)
	b := max(2*1514, bytesPerSec/50)
	l := b + bytesPerSec/4
	return bytesPerSec, uint32(min(b, 1<<31)), uint32(min(l, 1<<31))
}

// The rtnetlink traffic control ABI, from linux/rtnetlink.h and
// linux/pkt_sched.h.
const (
	rtmNewQdisc       = 36
	rtmDelQdisc       = 37
	tcMsgLen          = 20 // struct tcmsg
	tcaKind           = 1
	tcaOptions        = 2
	tcaTbfParms       = 1
	tcaTbfRate64      = 4
	tcaTbfBurst       = 6
	tcHRoot           = 0xFFFFFFFF
	tbfHandle         = 0x10000 // 1:0
	tcLinklayerEther  = 1
	tcRateSpecLen     = 12 // struct tc_ratespec
	tcTbfQoptLen      = 2*tcRateSpecLen + 12
	tbfRateSpecOffset = 0
)

// tcmsg is struct tcmsg for the root qdisc of the interface index.
func tcmsg(index int, handle uint32) []byte {
	b := make([]byte, tcMsgLen) // family AF_UNSPEC
	ne.PutUint32(b[4:], uint32(int32(index)))
	ne.PutUint32(b[8:], handle)
	ne.PutUint32(b[12:], tcHRoot)
	return b
}

// tbfMessage is the RTM_NEWQDISC request that makes a tbf of rate (bits
// per second) the root qdisc of the interface index, in place of any.
func tbfMessage(seq uint32, index int, rate uint64) []byte {
	bps, burst, limit := tbf(rate)
	q := make([]byte, tcTbfQoptLen)
	q[tbfRateSpecOffset+1] = tcLinklayerEther // rate.linklayer: no rate table needed
	ne.PutUint32(q[tbfRateSpecOffset+8:], uint32(min(bps, 0xFFFFFFFF)))
	ne.PutUint32(q[2*tcRateSpecLen:], limit) // then buffer and mtu: 0, burst says it
	opts := [][]byte{attr(tcaTbfParms, q), attr(tcaTbfBurst, u32(burst))}
	if bps >= 1<<32 {
		opts = append(opts, attr(tcaTbfRate64, ne.AppendUint64(nil, bps)))
	}
	return message(rtmNewQdisc, nlmFRequest|nlmFAck|nlmFCreate|nlmFReplace, seq,
		tcmsg(index, tbfHandle), attr(tcaKind, str("tbf")), attr(tcaOptions, opts...))
}

// delRootMessage is the RTM_DELQDISC request that removes the root qdisc
// of the interface index, which leaves the interface's default.
func delRootMessage(seq uint32, index int) []byte {
	return message(rtmDelQdisc, nlmFRequest|nlmFAck, seq, tcmsg(index, 0))
}
