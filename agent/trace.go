package agent

import (
	"strconv"
	"time"
)

// Verbs that act on a node's network from inside it.
const (
	// VerbTrace traces the IP path to an address, as the node's own
	// software would take it, without privileges: UDP probes with a
	// growing TTL, the ICMP errors read through IP_RECVERR. It prints a
	// TraceResult.
	VerbTrace = "trace"
	// VerbNetns installs IP routes in the network namespace it runs in.
	// It runs in a short-lived helper container that joins a node's
	// namespace with NET_ADMIN, never in the node itself.
	VerbNetns = "netns"
)

// TraceResult is the IP path from a node to an address.
type TraceResult struct {
	To      string     `json:"to"`
	Hops    []TraceHop `json:"hops"`
	Reached bool       `json:"reached"` // the last hop is the destination
	// Stop, for a trace that ended short of To, says where and why: the
	// node that answered unreachable (not listed again as a hop), or the
	// last hop before a link the faults in force cut.
	Stop *TraceStop `json:"stop,omitempty"`
}

// TraceStop is where and why a trace ended short of its destination.
type TraceStop struct {
	Addr string `json:"addr,omitempty"` // the address that answered, if one did
	Node string `json:"node,omitempty"` // filled in by whoever knows the plan
	// Why is the reason: "link hub–spoke1 is down" when the faults in
	// force say so, else the ICMP answer ("host unreachable").
	Why string `json:"why"`
}

// TraceHop is one hop of a trace: the address that answered the probe of
// that TTL, or none ("") when nothing answered in time.
type TraceHop struct {
	TTL   int     `json:"ttl"`
	Addr  string  `json:"addr,omitempty"`
	RTTMs float64 `json:"rtt_ms,omitempty"`
	Node  string  `json:"node,omitempty"` // filled in by whoever knows the plan
}

// TraceCommand is the command line that traces the path to addr.
func TraceCommand(addr string, maxHops int, perHop time.Duration) []string {
	return []string{Path, VerbTrace, "--max-hops", strconv.Itoa(maxHops), "--timeout", perHop.String(), addr}
}

// Route is one IP route a node gets: To, a subnet, through Via, an
// address on one of the node's own segments.
type Route struct {
	To  string `json:"to"`  // e.g. "10.210.0.16/29"
	Via string `json:"via"` // e.g. "10.210.0.2"
}

// String is the route as NetnsCommand takes it: "TO=VIA".
func (r Route) String() string { return r.To + "=" + r.Via }

// NetnsCommand is the command line, for a helper in a node's network
// namespace, that installs routes (replacing any to the same subnets) and
// turns reverse-path filtering off on every interface, so that replies
// that come back another way (around a ring) are accepted.
func NetnsCommand(routes []Route) []string {
	cmd := []string{Path, VerbNetns, "routes"}
	for _, r := range routes {
		cmd = append(cmd, r.String())
	}
	return cmd
}
