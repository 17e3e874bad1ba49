package topology

import (
	"fmt"
	"time"
)

// Expectation is one entry of a file's expect: list: something that must
// hold while the topology runs its fault timeline. It is exactly one of a
// reachability check (From and Reach, with Fails, Within, During or
// Recovery), an accounting check (Accounting), a log check (Logs) or a
// command run in a node (Run). Times are offsets from the moment the
// topology is ready, the same clock as Faults; named fault steps are
// resolved to offsets when the file is read.
//
// Name is never empty after Load or Parse: one left out is made from the
// check, like "box reaches web:80 during [0s, 10s]", with " (2)" added
// where it would repeat another.
type Expectation struct {
	Name string `json:"name"`
	Pos  Pos    `json:"-"`

	From   string        `json:"from,omitempty"`   // the node a probe runs from
	Reach  *Target       `json:"reach,omitempty"`  // what the probe reaches
	Fails  bool          `json:"fails,omitempty"`  // the target must not be reached
	Within *LatencyBound `json:"within,omitempty"` // a bound on the probe's latency
	// During is when the expectation must hold; nil is always (the whole
	// timeline).
	During *Window `json:"during,omitempty"`
	// Recovery is a bound on how soon the target is reached again after a
	// fault step is lifted.
	Recovery *Recovery `json:"recovery,omitempty"`

	Accounting string          `json:"accounting,omitempty"` // AccountingBalanced
	Logs       *LogExpectation `json:"logs,omitempty"`
	Run        *RunExpectation `json:"run,omitempty"`

	src expectSrc // where its parts were written, for checks after decoding
}

// expectSrc holds the positions of an expectation's node references and
// name, which are checked once the whole file is read.
type expectSrc struct {
	what                                 string // "expect[2]", as the file counts
	name, from, reach, logsNode, runNode Pos
}

// MaxExpectations bounds a file's expect: list.
const MaxExpectations = 100

// MaxExpectNameLen bounds an expectation's name: it names a test case in
// reports, one line.
const MaxExpectNameLen = 120

// AccountingBalanced: every message an agent originated was delivered or
// dropped with a reason, none is unaccounted for.
const AccountingBalanced = "balanced"

// ProbeKind is how a probe reaches its target.
type ProbeKind string

// The probe kinds. A reach: written as "web:80" is tcp; "spoke3", a node
// name alone, is a node message between two agents.
const (
	ProbeTCP  ProbeKind = "tcp"  // a TCP connection opens
	ProbeUDP  ProbeKind = "udp"  // a datagram is answered (silence proves nothing)
	ProbeHTTP ProbeKind = "http" // a GET answers with Status, its body containing Body
	ProbeICMP ProbeKind = "icmp" // an echo request is answered
	ProbeNode ProbeKind = "node" // an agent's message is delivered (topo send)
)

// Target is what a reachability probe reaches.
type Target struct {
	Kind ProbeKind `json:"kind"`
	Node string    `json:"node"`           // a node of the topology
	Port int       `json:"port,omitempty"` // tcp, udp, http (default 80)
	Path string    `json:"path,omitempty"` // http, with its leading slash
	// Status is the HTTP status wanted (http; 200 when not given).
	Status int `json:"status,omitempty"`
	// Body is text the HTTP answer's body must contain ("" for any).
	Body string `json:"body,omitempty"`
}

// String is the target as a reach: may be written.
func (t Target) String() string {
	switch t.Kind {
	case ProbeNode:
		return t.Node
	case ProbeTCP:
		return fmt.Sprintf("%s:%d", t.Node, t.Port)
	case ProbeHTTP:
		return fmt.Sprintf("http://%s:%d%s", t.Node, t.Port, t.Path)
	case ProbeICMP:
		return "icmp://" + t.Node
	default:
		return fmt.Sprintf("%s://%s:%d", t.Kind, t.Node, t.Port)
	}
}

// LatencyBound bounds a percentile of a probe's latency: within: 200ms is
// the median (Percentile 50), within: {p95: 200ms} the 95th.
type LatencyBound struct {
	Percentile int           `json:"percentile"`
	Max        time.Duration `json:"max"`
}

// Window is a stretch of the timeline, From to To after the topology is
// ready. Text is how the file wrote it, for reports.
type Window struct {
	From time.Duration `json:"from"`
	To   time.Duration `json:"to"`
	Text string        `json:"text,omitempty"`
}

// Contains reports whether offset at falls in the window.
func (w Window) Contains(at time.Duration) bool { return at >= w.From && at <= w.To }

// Recovery: after the fault step Step is lifted (at Lifted on the
// timeline), the target is reached again within Within.
type Recovery struct {
	Step   string        `json:"step"`
	Lifted time.Duration `json:"lifted"`
	Within time.Duration `json:"within"`
}

// LogExpectation: the log of Node holds Contains on a number of lines that
// Count allows.
type LogExpectation struct {
	Node     string `json:"node"`
	Contains string `json:"contains"`
	Count    Count  `json:"count"`
}

// Count compares a number with N: Op is one of ==, >=, <=, >, <.
type Count struct {
	Op string `json:"op"`
	N  int    `json:"n"`
}

// Holds reports whether n satisfies the count.
func (c Count) Holds(n int) bool {
	switch c.Op {
	case "==":
		return n == c.N
	case ">=":
		return n >= c.N
	case "<=":
		return n <= c.N
	case ">":
		return n > c.N
	case "<":
		return n < c.N
	}
	return false
}

// String is the count as the file writes it, like ">= 3".
func (c Count) String() string { return fmt.Sprintf("%s %d", c.Op, c.N) }

// RunExpectation: Command, run in Node, exits with Exit.
type RunExpectation struct {
	Node    string   `json:"node"`
	Command []string `json:"command"`
	Exit    int      `json:"exit"`
}

// Timed reports whether the expectation has a time window or refers to
// the fault timeline; topo check evaluates only those that are not.
func (e Expectation) Timed() bool { return e.During != nil || e.Recovery != nil }
