package topology

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// timeline is what an expectation's times may refer to: the fault steps,
// by name.
type timeline struct {
	steps map[string]ScheduledFault
	names []string
	bad   map[string]bool // steps reported already, by name
	all   bool            // faults: could not be read: any name may be right
}

func (d *decoder) timeline(faults []ScheduledFault) timeline {
	tl := timeline{steps: map[string]ScheduledFault{}, bad: d.badSteps, all: d.faultsBad}
	for _, f := range faults {
		if f.Name != "" {
			tl.steps[f.Name] = f
			tl.names = append(tl.names, f.Name)
		}
	}
	return tl
}

// step looks up the fault step v names. A name that is not there is
// reported, unless its step was reported already.
func (tl timeline) step(d *decoder, v *yaml.Node, what string) (ScheduledFault, bool) {
	s, ok := d.scalar(v, what, "the name of a fault step")
	if !ok {
		return ScheduledFault{}, false
	}
	if f, ok := tl.steps[s]; ok {
		return f, true
	}
	if tl.all || tl.bad[s] {
		return ScheduledFault{}, false
	}
	msg := fmt.Sprintf("%s: no fault step named %q", what, clipEcho(s))
	switch c := closest(s, tl.names); {
	case len(tl.names) == 0:
		msg += ": name a step in faults:, like - {name: cut, at: 5s, link: [a, b], down: 4s}"
	case c != "":
		msg += fmt.Sprintf(": did you mean %q?", c)
	default:
		msg += fmt.Sprintf(" (the named steps are %s)", listWords(tl.names, "and"))
	}
	d.e.add(pos(v), "%s", msg)
	return ScheduledFault{}, false
}

// lifted looks up a step that is lifted by itself: one with a duration.
func (tl timeline) lifted(d *decoder, v *yaml.Node, what string) (ScheduledFault, bool) {
	f, ok := tl.step(d, v, what)
	if ok && f.For <= 0 {
		d.e.add(pos(v), "%s: step %q has no duration (for: or down:), so it is never lifted", what, f.Name)
		return f, false
	}
	return f, ok
}

const windowForms = "[FROM, TO] like [0s, 10s] or [{at: STEP}, +2s], or the name of a fault step"

// window decodes during:: [FROM, TO], or a step's name alone, from the
// step's start until it is lifted.
func (d *decoder) window(v *yaml.Node, what string, tl timeline) (*Window, bool) {
	switch {
	case v.Kind == yaml.ScalarNode && !isNull(v):
		if _, err := time.ParseDuration(v.Value); err == nil && tl.steps[v.Value].Name == "" {
			d.e.add(pos(v), "%s: %q is one time: want %s", what, v.Value, windowForms)
			return nil, false
		}
		f, ok := tl.lifted(d, v, what)
		if !ok {
			return nil, false
		}
		return &Window{From: f.At, To: f.At + f.For, Text: v.Value}, true
	case v.Kind == yaml.SequenceNode && len(v.Content) == 2:
	case v.Kind == yaml.SequenceNode:
		d.e.add(pos(v), "%s: want two ends, [FROM, TO], like [0s, 10s] or [{at: STEP}, +2s], got %s", what, plural(len(v.Content), "item"))
		return nil, false
	default:
		d.e.add(pos(v), "%s: want %s, got %s", what, windowForms, describe(v))
		return nil, false
	}
	from, textA, _, okA := d.windowEnd(resolve(v.Content[0]), what, tl, false)
	to, textB, rel, okB := d.windowEnd(resolve(v.Content[1]), what, tl, true)
	if !okA || !okB {
		return nil, false
	}
	if rel {
		to += from
	}
	w := &Window{From: from, To: to, Text: "[" + textA + ", " + textB + "]"}
	switch {
	case w.To < w.From:
		d.e.add(pos(v), "%s: %s ends at %s, before it starts at %s", what, w.Text, FormatDuration(w.To), FormatDuration(w.From))
		return nil, false
	case w.To == w.From:
		d.e.add(pos(v), "%s: %s starts and ends at %s: give it a length, like [%s, +1s]", what, w.Text, FormatDuration(w.From), textA)
		return nil, false
	}
	return w, true
}

// windowEnd decodes one end of a window: an offset from ready, {at: STEP}
// (when the step starts) or {lifted: STEP} (when it is lifted). The end,
// not the start, may also be +D, D after the start: rel says so.
func (d *decoder) windowEnd(v *yaml.Node, what string, tl timeline, isEnd bool) (x time.Duration, text string, rel, ok bool) {
	if v.Kind == yaml.MappingNode {
		fs, ok := d.fields(v, what, "at", "lifted")
		if !ok {
			return 0, "", false, false
		}
		switch {
		case len(v.Content) != 2:
			d.e.add(pos(v), "%s: want one of {at: STEP} or {lifted: STEP}", what)
			return 0, "", false, false
		case len(fs.val) != 1:
			return 0, "", false, false // an unknown key, reported
		}
		if sv, ok := fs.val["at"]; ok {
			f, ok := tl.step(d, sv, what+".at")
			return f.At, "at: " + sv.Value, false, ok
		}
		sv := fs.val["lifted"]
		f, ok := tl.lifted(d, sv, what+".lifted")
		return f.At + f.For, "lifted: " + sv.Value, false, ok
	}
	s, ok := d.scalar(v, what, "a time like 10s, {at: STEP} or {lifted: STEP}")
	if !ok {
		return 0, "", false, false
	}
	if rest, rel := strings.CutPrefix(s, "+"); rel {
		x, err := time.ParseDuration(rest)
		switch {
		case !isEnd:
			d.e.add(pos(v), "%s: %s counts from the start: give the start as a time like 0s, or {at: STEP}", what, s)
			return 0, "", false, false
		case err != nil || x < 0 || x > 24*time.Hour:
			d.e.add(pos(v), "%s: %q, want + and a duration up to 24h, like +2s", what, s)
			return 0, "", false, false
		}
		return x, s, true, true
	}
	x, ok = d.offset(v, what)
	return x, s, false, ok
}

// parseTarget reads what reach: names: NODE (an agent message),
// NODE:PORT or tcp://NODE:PORT, udp://NODE:PORT, http://NODE[:PORT][/PATH]
// (port 80, path /) or icmp://NODE.
func parseTarget(s string) (Target, error) {
	scheme, rest, hasScheme := strings.Cut(s, "://")
	if !hasScheme {
		node, port, hasPort := strings.Cut(s, ":")
		if !hasPort {
			if s == "" {
				return Target{}, errors.New("empty: want a node, NODE:PORT or a URL like http://web/health")
			}
			return Target{Kind: ProbeNode, Node: s}, nil
		}
		return hostPort(ProbeTCP, s, node, port)
	}
	host, path, hasPath := strings.Cut(rest, "/")
	node, port, hasPort := strings.Cut(host, ":")
	switch k := ProbeKind(scheme); k {
	case ProbeTCP, ProbeUDP:
		switch {
		case hasPath:
			return Target{}, fmt.Errorf("%q: a %s target takes no path", s, k)
		case !hasPort:
			return Target{}, fmt.Errorf("%q has no port: write it like %s://%s:80", s, k, node)
		}
		return hostPort(k, s, node, port)
	case ProbeHTTP:
		t := Target{Kind: ProbeHTTP, Port: 80, Path: "/" + path}
		if !hasPort {
			port = "80"
		}
		hp, err := hostPort(ProbeHTTP, s, node, port)
		t.Node, t.Port = hp.Node, hp.Port
		return t, err
	case ProbeICMP:
		if hasPort || hasPath || node == "" {
			return Target{}, fmt.Errorf("%q: icmp reaches a node, with no port or path, like icmp://web", s)
		}
		return Target{Kind: ProbeICMP, Node: node}, nil
	}
	return Target{}, fmt.Errorf("%q: unknown scheme %s://, want tcp://, udp://, http:// or icmp://", s, clipEcho(scheme))
}

// hostPort reads NODE and PORT of a target s.
func hostPort(k ProbeKind, s, node, port string) (Target, error) {
	if node == "" {
		return Target{}, fmt.Errorf("%q names no node: write it like web:80", s)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return Target{}, fmt.Errorf("%q: port %q is not a number from 1 to 65535", s, clipEcho(port))
	}
	return Target{Kind: k, Node: node, Port: p}, nil
}

// countOps are the comparisons a count may make, longest first.
var countOps = []string{"==", ">=", "<=", ">", "<"}

// parseCount reads a count of log lines: "3" (exactly 3) or a comparison
// like ">= 3".
func parseCount(s string) (Count, error) {
	rest, op := strings.TrimSpace(s), "=="
	for _, o := range countOps {
		if r, ok := strings.CutPrefix(rest, o); ok {
			rest, op = strings.TrimSpace(r), o
			break
		}
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 {
		return Count{}, fmt.Errorf("%q, want a number of lines like 3, or a comparison like \">= 3\" (==, >=, <=, > or <)", clipEcho(s))
	}
	if op == "<" && n == 0 {
		return Count{}, fmt.Errorf("%q never holds: no count is below 0", s)
	}
	return Count{Op: op, N: n}, nil
}

// logExpectation decodes logs: {node, contains, count}.
func (d *decoder) logExpectation(v *yaml.Node, what string, nodePos *Pos) (*LogExpectation, bool) {
	fs, ok := d.fields(v, what, "node", "contains", "count")
	if !ok {
		return nil, false
	}
	l := &LogExpectation{Count: Count{Op: ">=", N: 1}}
	good := d.nodeRef(fs, v, what, "whose log, like node: server", &l.Node, nodePos)
	if cv, ok := fs.val["contains"]; ok {
		if s, ok := d.scalar(cv, what+".contains", "the text a log line holds"); !ok {
			good = false
		} else if s == "" {
			d.e.add(pos(cv), "%s.contains: empty: every line holds it; give the text to look for", what)
			good = false
		} else {
			l.Contains = s
		}
	} else {
		d.e.add(pos(v), "%s: contains: is missing: the text a log line holds, like contains: \"got connection from\"", what)
		good = false
	}
	if cv, ok := fs.val["count"]; ok {
		s, ok := d.scalar(cv, what+".count", `a count like ">= 3"`)
		c, err := parseCount(s)
		if ok && err != nil {
			d.e.add(pos(cv), "%s.count: %v", what, err)
		}
		l.Count, good = c, ok && err == nil && good
	}
	return l, good
}

// runExpectation decodes run: {node, command, exit}.
func (d *decoder) runExpectation(v *yaml.Node, what string, nodePos *Pos) (*RunExpectation, bool) {
	fs, ok := d.fields(v, what, "node", "command", "exit")
	if !ok {
		return nil, false
	}
	r := &RunExpectation{}
	good := d.nodeRef(fs, v, what, "where the command runs, like node: client", &r.Node, nodePos)
	if cv, ok := fs.val["command"]; ok {
		r.Command = d.argv(cv, what+".command")
		good = len(r.Command) > 0 && good
	} else {
		d.e.add(pos(v), `%s: command: is missing: the program and its arguments, like command: ["/bin/busybox", "true"]`, what)
		good = false
	}
	if ev, ok := fs.val["exit"]; ok {
		n, ok := d.integer(ev, what+".exit", "an exit status like 0")
		if ok && (n < 0 || n > 255) {
			d.e.add(pos(ev), "%s.exit: %d is not an exit status (0 to 255)", what, n)
			ok = false
		}
		r.Exit, good = n, ok && good
	}
	return r, good
}

// nodeRef decodes the required node: of logs: or run:; whether it names a
// node is checked with the rest of the topology.
func (d *decoder) nodeRef(fs fieldSet, m *yaml.Node, what, why string, node *string, at *Pos) bool {
	v, ok := fs.val["node"]
	if !ok {
		d.e.add(pos(m), "%s: node: is missing: %s", what, why)
		return false
	}
	*at = pos(v)
	*node, ok = d.scalar(v, what+".node", "a node name")
	return ok
}

// argv reads a command: a list of strings, or one string split at spaces.
func (d *decoder) argv(v *yaml.Node, what string) []string {
	var cmd []string
	switch {
	case v.Kind == yaml.ScalarNode && !isNull(v):
		cmd = strings.Fields(v.Value)
	case v.Kind == yaml.SequenceNode:
		for _, a := range v.Content {
			a = resolve(a)
			if s, ok := d.scalar(a, what, "a list of strings"); ok {
				if strings.ContainsRune(s, 0) {
					d.e.add(pos(a), "%s: an argument holds a NUL byte", what)
					return nil
				}
				cmd = append(cmd, s)
			} else {
				return nil
			}
		}
	default:
		d.e.add(pos(v), "%s: want a list of strings like [\"/bin/busybox\", \"true\"], got %s", what, describe(v))
		return nil
	}
	if len(cmd) == 0 {
		d.e.add(pos(v), "%s: empty: give the program to run and its arguments", what)
	}
	return cmd
}
