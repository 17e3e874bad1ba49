package orchestrator

import (
	"fmt"
	"slices"
	"strings"
)

// OpKind is what an operation does to a running topology.
type OpKind string

// Operations, as the first column of their line has them.
const (
	OpAdd      OpKind = "+"
	OpRemove   OpKind = "-"
	OpChange   OpKind = "~" // in place, without restarting anything
	OpRecreate OpKind = "!" // the node's container is removed and made again
)

// What an operation acts on.
const (
	OnNode    = "node"
	OnSegment = "segment" // a shared segment, or a point-to-point one being added or removed
	OnLink    = "link"    // a point-to-point segment that stays
	OnTraffic = "traffic" // the background traffic of every node, turned off
	OnFaults  = "faults"  // the file's fault schedule
	OnConfig  = "config"  // a node's config, where no other operation says why it changes
)

// An Operation is one step of changing a running topology into what its
// edited file plans, as `topo up --dry-run` prints it (Text) and -o json
// gives it.
type Operation struct {
	Op     OpKind `json:"op"`
	On     string `json:"on"`             // OnNode, OnSegment, ...
	Name   string `json:"name,omitempty"` // the node or segment; a link's two ends joined by "–"
	Subnet string `json:"subnet,omitempty"`
	// Fields are what changes: for a recreated node its settings, for a
	// link its impairment, for a config what in it changes. From and To
	// are empty where what runs does not tell (a user's env is hashed).
	Fields []FieldChange `json:"fields,omitempty"`
	Text   string        `json:"text"`
}

// FieldChange is one setting that changes.
type FieldChange struct {
	Field string `json:"field"`
	From  string `json:"from,omitempty"`
	To    string `json:"to,omitempty"`
}

// String is "delay 5ms → 20ms", or the field alone.
func (f FieldChange) String() string {
	if f.From == "" && f.To == "" {
		return f.Field
	}
	return fmt.Sprintf("%s %s → %s", f.Field, orNone(f.From), orNone(f.To))
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// text renders an operation as one line: "+ segment hub-spoke5
// 10.210.0.40/29", "~ link hub–spoke2 delay 5ms → 20ms", "! recreate node
// web: image changed".
func (op Operation) text() string {
	fields := make([]string, len(op.Fields))
	for i, f := range op.Fields {
		fields[i] = f.String()
	}
	switch {
	case op.Op == OpRecreate:
		for i, f := range op.Fields {
			fields[i] = f.Field + " changed"
			if f.From != "" || f.To != "" {
				fields[i] += fmt.Sprintf(" (%s → %s)", orNone(f.From), orNone(f.To))
			}
		}
		return fmt.Sprintf("! recreate node %s: %s", op.Name, strings.Join(fields, ", "))
	case op.On == OnConfig:
		return fmt.Sprintf("~ config of %s: %s", op.Name, strings.Join(fields, ", "))
	case op.On == OnFaults:
		return "~ faults: the schedule changed"
	}
	line := strings.Join(append([]string{string(op.Op), op.On}, nonEmpty(op.Name, op.Subnet)...), " ")
	if len(fields) > 0 {
		line += " " + strings.Join(fields, ", ")
	}
	return line
}

func nonEmpty(ss ...string) []string {
	return slices.DeleteFunc(ss, func(s string) bool { return s == "" })
}

// A Change is the difference between a running topology and what its
// edited file plans: the operations that turn one into the other, in the
// order they run (segments made, nodes made, changes in place, nodes
// removed, segments removed, nodes recreated), and what stops them.
type Change struct {
	Name       string      `json:"name"`
	File       string      `json:"file"`
	Operations []Operation `json:"operations"`
	// Refused says why the change can never be applied in place (the
	// layout or the pool changed, an untouched node's address would move):
	// the topology must be brought down and up again.
	Refused []string `json:"refused,omitempty"`
	// Reconfigure are the nodes that stay and keep running, but whose
	// config changes (neighbours, routes, segments): each must take a new
	// config while it runs.
	Reconfigure []string `json:"reconfigure,omitempty"`
	// Completes says what up also makes of a topology that runs in part
	// (`+ node spoke2`), as UpResult.Completed.
	Completes []string `json:"completes,omitempty"`
	// configChanges say, by node of Reconfigure, what in its config
	// changes.
	configChanges map[string][]FieldChange
}

// needs names each node to reconfigure with what in its config changes:
// "server (neighbours, routes)".
func (c *Change) needs() []string {
	out := make([]string, len(c.Reconfigure))
	for i, n := range c.Reconfigure {
		out[i] = n
		if fs := c.configChanges[n]; len(fs) > 0 {
			names := make([]string, len(fs))
			for j, f := range fs {
				names[j] = f.Field
			}
			out[i] += " (" + strings.Join(names, ", ") + ")"
		}
	}
	return out
}

// Empty reports whether nothing changes.
func (c *Change) Empty() bool {
	return len(c.Operations)+len(c.Refused)+len(c.Reconfigure) == 0
}

// Lines are the operations, one a line, in order.
func (c *Change) Lines() []string {
	out := make([]string, len(c.Operations))
	for i, op := range c.Operations {
		out[i] = op.Text
	}
	return out
}

// Recreated are the nodes the change recreates, in order.
func (c *Change) Recreated() []string {
	var out []string
	for _, op := range c.Operations {
		if op.Op == OpRecreate {
			out = append(out, op.Name)
		}
	}
	return out
}

// Applies reports whether up applies the change in place, as this topo
// can: it recreates nodes whose own settings changed (and every node for
// a change of traffic or log level, which an agent reads once, at start),
// changes impairments of links and segments that stay, the fault
// schedule, and turns background traffic off, without restarting
// anything; it adds and removes nodes and segments, and hands the nodes
// that stay and whose wiring changes their new config as they run
// (Reconfigure). What it refuses (Refused) it does not apply.
func (c *Change) Applies() bool {
	if len(c.Refused) > 0 {
		return false
	}
	for _, op := range c.Operations {
		if !op.applies() {
			return false
		}
	}
	return true
}

// applies reports whether up applies op: every kind does, but a change of
// a kind it does not know.
func (op Operation) applies() bool {
	switch op.Op {
	case OpRecreate, OpAdd, OpRemove:
		return true
	case OpChange:
		return slices.Contains([]string{OnFaults, OnTraffic, OnLink, OnSegment, OnConfig}, op.On)
	}
	return false
}

// inPlace reports whether op is a change of an impairment, the traffic or
// the fault schedule, which up applies by telling the agents.
func (op Operation) inPlace() bool {
	switch {
	case op.Op != OpChange:
		return false
	case op.On == OnFaults || op.On == OnTraffic:
		return true
	case op.On == OnLink || op.On == OnSegment:
		return slices.ContainsFunc(op.Fields, func(f FieldChange) bool { return f.Field != "members" })
	}
	return false
}

// InPlace lists the operations up applies to what runs without
// restarting anything: impairments, traffic turned off and the fault
// schedule.
func (c *Change) InPlace() []Operation {
	var out []Operation
	for _, op := range c.Operations {
		if op.inPlace() {
			out = append(out, op)
		}
	}
	return out
}

// ChangeError is Up's answer to a file that changed since its topology
// was brought up, where the difference cannot be applied in place (yet).
// Nothing was touched. It wraps ErrAlreadyRunning.
type ChangeError struct {
	Change *Change
}

// maxErrorLines bounds how many operations a ChangeError quotes;
// `topo up --dry-run` lists them all.
const maxErrorLines = 20

func (e *ChangeError) Error() string {
	c := e.Change
	var b strings.Builder
	fmt.Fprintf(&b, "up %s: %s changed since %s was brought up", c.Name, c.File, c.Name)
	lines := c.Lines()
	if len(lines) > 0 {
		b.WriteString(":")
	}
	for i, l := range lines {
		if i == maxErrorLines {
			fmt.Fprintf(&b, "\n  … and %d more (`topo up --dry-run %s` lists them all)", len(lines)-i, c.File)
			break
		}
		b.WriteString("\n  " + l)
	}
	b.WriteString("\n" + c.Why())
	return b.String()
}

// Why says why up does not apply the change in place, and what to run
// instead; "" when it does.
func (c *Change) Why() string {
	if c.Applies() {
		return ""
	}
	var b strings.Builder
	if len(c.Refused) > 0 {
		fmt.Fprintf(&b, "it cannot be applied in place: %s", strings.Join(c.Refused, "; "))
	} else {
		b.WriteString("this topo does not know how to apply it in place")
	}
	fmt.Fprintf(&b, ";\nrun `topo down %s && topo up %s` to start it afresh from the file (counters and logs start over)", c.Name, c.File)
	return b.String()
}

// Unwrap makes a ChangeError an ErrAlreadyRunning.
func (e *ChangeError) Unwrap() error { return ErrAlreadyRunning }
