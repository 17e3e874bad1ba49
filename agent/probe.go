package agent

import (
	"encoding/json"
	"time"
)

// VerbProbe probes targets from a node's network namespace at a steady
// rate for a while, and prints one ProbeSample a line (JSON). topo test
// runs it in a helper that joins the node's namespace, as nobody and with
// no capability, so it works for any image and changes nothing there.
const VerbProbe = "probe"

// The kinds of probe, as topology.ProbeKind names them.
const (
	ProbeTCP  = "tcp"  // a TCP connection opens
	ProbeUDP  = "udp"  // a datagram is answered
	ProbeHTTP = "http" // a GET answers with Status and a body holding Body
	ProbeICMP = "icmp" // an echo request is answered (a ping socket: no privilege)
)

// ProbeTarget is one thing a probe reaches, named by ID in its samples.
type ProbeTarget struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	// Addr is IP:PORT (tcp, udp, http) or an IP (icmp).
	Addr   string `json:"addr"`
	Path   string `json:"path,omitempty"`   // http
	Status int    `json:"status,omitempty"` // http: the status wanted (200 when 0)
	Body   string `json:"body,omitempty"`   // http: text the body must hold
}

// ProbeRequest is what a probe run does: every target every Interval,
// each try given up after Timeout, until Duration has passed.
type ProbeRequest struct {
	Targets  []ProbeTarget `json:"targets"`
	Interval time.Duration `json:"interval"`
	Timeout  time.Duration `json:"timeout"`
	Duration time.Duration `json:"duration"`
}

// ProbeSample is one try of one target: when it started, whether it
// reached, how long it took, and why not.
type ProbeSample struct {
	ID      string        `json:"id"`
	At      time.Time     `json:"at"`
	OK      bool          `json:"ok"`
	Latency time.Duration `json:"latency"`
	Err     string        `json:"err,omitempty"`
}

// MaxProbeTargets bounds one probe run.
const MaxProbeTargets = 64

// ProbeCommand is the command line of a probe run.
func ProbeCommand(req ProbeRequest) []string {
	b, _ := json.Marshal(req) // a struct of strings, ints and durations: cannot fail
	return []string{Path, VerbProbe, string(b)}
}
