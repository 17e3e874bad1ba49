// Package trace finds the IP path from here to an address the way
// traceroute does, but without privileges, so that it works in a node
// container that has no capabilities at all (not even NET_RAW): one UDP
// probe per TTL to a high port, and the ICMP errors that come back read
// from the socket's error queue (IP_RECVERR) instead of a raw socket. A
// router that drops the probe for its TTL answers "time exceeded" and is
// a hop; the destination answers "port unreachable" and ends the trace.
package trace

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/topo-dev/topo/agent"
)

// Defaults, as in traceroute.
const (
	DefaultMaxHops = 30
	DefaultPerHop  = time.Second
	// BasePort plus the TTL is the port each probe goes to: high and most
	// likely closed, so that the destination answers port unreachable.
	BasePort = 33434
)

// Options bound a trace.
type Options struct {
	MaxHops int           // the largest TTL tried; DefaultMaxHops when 0
	PerHop  time.Duration // how long to wait for each answer; DefaultPerHop when 0
}

// kind is what came back for one probe.
type kind int

const (
	silent       kind = iota // no answer in time
	timeExceeded             // a router on the way: the trace goes on
	portUnreach              // the destination: the trace is done
	unreachable              // another destination unreachable: the trace ends short
)

// answer is the outcome of one probe.
type answer struct {
	kind kind
	from netip.Addr // who answered, when someone did
	rtt  time.Duration
	// why is, for unreachable, what the answer said: "host unreachable".
	why string
	// local is the probe's own address: a node that cannot reach its
	// next hop answers its own probe unreachable.
	local netip.Addr
}

// prober sends one probe with the TTL and waits up to perHop for its
// answer.
type prober func(ctx context.Context, to netip.Addr, ttl int, perHop time.Duration) (answer, error)

// Run traces the path to the IPv4 address to. It returns the hops found
// so far along with any error: a probe that could not be sent, or ctx
// done.
func Run(ctx context.Context, to netip.Addr, o Options) (agent.TraceResult, error) {
	return run(ctx, to, o, probe)
}

func run(ctx context.Context, to netip.Addr, o Options, p prober) (agent.TraceResult, error) {
	to = to.Unmap()
	res := agent.TraceResult{To: to.String(), Hops: []agent.TraceHop{}}
	if !to.Is4() {
		return res, fmt.Errorf("trace %s: want an IPv4 address", to)
	}
	if o.MaxHops == 0 {
		o.MaxHops = DefaultMaxHops
	}
	if o.PerHop == 0 {
		o.PerHop = DefaultPerHop
	}
	if o.MaxHops < 1 || o.MaxHops > 255 || o.PerHop <= 0 {
		return res, errors.New("trace: want 1 to 255 hops and a positive timeout")
	}
	for ttl := 1; ttl <= o.MaxHops; ttl++ {
		a, err := probeHop(ctx, to, ttl, o.PerHop, p)
		if err != nil {
			return res, fmt.Errorf("trace %s: ttl %d: %w", to, ttl, err)
		}
		hop := agent.TraceHop{TTL: ttl}
		if a.kind != silent {
			hop.Addr = a.from.String()
			hop.RTTMs = float64(a.rtt.Microseconds()) / 1000
		}
		if a.kind == unreachable {
			stop(&res, hop, a)
			return res, nil
		}
		res.Hops = append(res.Hops, hop)
		if a.kind == portUnreach {
			res.Reached = true
			return res, nil
		}
	}
	return res, nil
}

// stop ends a trace at an unreachable answer. A router that answers the
// probe of its own TTL that way is a hop, the last. One that answered an
// earlier TTL already, or the source itself, is not a new hop: it tried
// to pass the probe on and could not (its next hop did not answer its
// neighbour discovery, which takes seconds), so listed again it would
// read as a loop; the probes that went silent meanwhile were lost there
// too, and go with it.
func stop(res *agent.TraceResult, hop agent.TraceHop, a answer) {
	res.Stop = &agent.TraceStop{Addr: hop.Addr, Why: a.why}
	if res.Stop.Why == "" {
		res.Stop.Why = "unreachable"
	}
	again := a.from == a.local
	for _, h := range res.Hops {
		again = again || h.Addr == hop.Addr
	}
	if !again {
		res.Hops = append(res.Hops, hop)
		return
	}
	for len(res.Hops) > 0 && res.Hops[len(res.Hops)-1].Addr == "" {
		res.Hops = res.Hops[:len(res.Hops)-1]
	}
}

// probesPerHop is how many probes a silent hop gets. Routers rate-limit
// their ICMP errors (one a second per destination, by default), so a hop
// that a traceroute just before used up answers the second probe.
const probesPerHop = 2

// probeHop probes one TTL until something answers, probesPerHop times at
// most.
func probeHop(ctx context.Context, to netip.Addr, ttl int, perHop time.Duration, p prober) (answer, error) {
	var a answer
	var err error
	for range probesPerHop {
		if a, err = p(ctx, to, ttl, perHop); err != nil || a.kind != silent {
			return a, err
		}
	}
	return a, nil
}
