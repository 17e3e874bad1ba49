package topology

import (
	"fmt"
	"slices"
	"strings"
)

// validateExpect checks what the expectations say of the rest of the
// topology: the nodes they name, and their names. A file's expectations
// were checked for shape as they were read; one built in Go is checked
// here, without positions.
func validateExpect(t *Topology, e *errs) {
	if !t.src.parsed {
		if len(t.Expect) > MaxExpectations {
			e.add(Pos{}, "expect: %d entries, at most %d", len(t.Expect), MaxExpectations)
			return
		}
		for i, x := range t.Expect {
			for _, msg := range shapeProblems(t, x) {
				e.add(x.Pos, "expect[%d]: %s", i, msg)
			}
		}
	}
	checkExpectNames(t, e)
	if t.src.nodesBad {
		return // reported already: every name would look unknown
	}
	nodes := map[string]*Node{}
	var names []string
	for i := range t.Nodes {
		nodes[t.Nodes[i].Name] = &t.Nodes[i]
		names = append(names, t.Nodes[i].Name)
	}
	for i, x := range t.Expect {
		what := x.what(i)
		ref := func(name string, at Pos, field string) *Node {
			if name == "" {
				return nil
			}
			if n := nodes[name]; n != nil {
				return n
			}
			msg := fmt.Sprintf("%s.%s: no node %q", what, field, clipEcho(name))
			if c := closest(name, names); c != "" {
				msg += fmt.Sprintf(": did you mean %q?", c)
			}
			e.add(at.or(x.Pos), "%s", msg)
			return nil
		}
		from := ref(x.From, x.src.from, "from")
		if x.Reach != nil {
			to := ref(x.Reach.Node, x.src.reach, "reach")
			checkAgentProbe(x, what, from, to, e)
		}
		if x.Logs != nil {
			ref(x.Logs.Node, x.src.logsNode, "logs.node")
		}
		if x.Run != nil {
			ref(x.Run.Node, x.src.runNode, "run.node")
		}
	}
}

// checkAgentProbe refuses an agent message (reach: NODE) to or from a node
// that runs its own image: only topo's agent sends and receives them.
func checkAgentProbe(x Expectation, what string, from, to *Node, e *errs) {
	if x.Reach.Kind != ProbeNode {
		return
	}
	if from != nil && from.Image != "" {
		e.add(x.src.from.or(x.Pos), "%s.from: %s runs its own image (image:), which sends no agent messages: probe a port or icmp instead, like reach: icmp://%s",
			what, from.Name, x.Reach.Node)
	}
	if to != nil && to.Image != "" {
		e.add(x.src.reach.or(x.Pos), "%s.reach: %s alone is an agent message, but %s runs its own image (image:): reach a port on it, like %s:80",
			what, to.Name, to.Name, to.Name)
	}
}

// or is p, or q where p is no place.
func (p Pos) or(q Pos) Pos {
	if p == (Pos{}) {
		return q
	}
	return p
}

// checkExpectNames refuses a name two expectations share: reports tell
// them apart by name. Names normalize made never collide.
func checkExpectNames(t *Topology, e *errs) {
	first := map[string]Expectation{}
	for i, x := range t.Expect {
		f, dup := first[x.Name]
		switch {
		case !dup:
			first[x.Name] = x
		case f.src.name.Line > 0:
			e.add(x.src.name.or(x.Pos), "%s.name: %q is given twice (first at line %d): give each expectation its own name", x.what(i), clipEcho(x.Name), f.src.name.Line)
		default:
			e.add(x.src.name.or(x.Pos), "%s.name: %q is given twice: give each expectation its own name", x.what(i), clipEcho(x.Name))
		}
	}
}

// what names the expectation in messages, as the file counts: "expect[2]".
func (x Expectation) what(i int) string {
	if x.src.what != "" {
		return x.src.what
	}
	return fmt.Sprintf("expect[%d]", i)
}

// nameExpectations gives each expectation without a name one made from
// what it checks, unique among all names: reports and JUnit test cases go
// by name. It leaves t's slice alone, which a copy may share.
func nameExpectations(t *Topology) {
	if !slices.ContainsFunc(t.Expect, func(x Expectation) bool { return x.Name == "" }) {
		return
	}
	t.Expect = slices.Clone(t.Expect)
	taken := map[string]bool{}
	for _, x := range t.Expect {
		taken[x.Name] = true
	}
	for i := range t.Expect {
		x := &t.Expect[i]
		if x.Name != "" {
			continue
		}
		base := x.describe()
		if r := []rune(base); len(r) > MaxExpectNameLen {
			base = string(r[:MaxExpectNameLen-1]) + "…"
		}
		name := base
		for n := 2; taken[name]; n++ {
			name = fmt.Sprintf("%s (%d)", base, n)
		}
		x.Name, taken[name] = name, true
	}
}

// describe says what an expectation checks, as its default name: "client
// reaches web:80 within 200ms during [0s, 10s]".
func (x Expectation) describe() string {
	switch {
	case x.Reach != nil:
		var b strings.Builder
		b.WriteString(x.From)
		if x.Fails {
			b.WriteString(" does not reach ")
		} else {
			b.WriteString(" reaches ")
		}
		b.WriteString(x.Reach.String())
		if w := x.Within; w != nil {
			b.WriteString(" within " + FormatDuration(w.Max))
			if w.Percentile != 50 {
				fmt.Fprintf(&b, " (p%d)", w.Percentile)
			}
		}
		if r := x.Recovery; r != nil {
			fmt.Fprintf(&b, " again within %s after %s", FormatDuration(r.Within), r.Step)
		}
		if w := x.During; w != nil {
			text := w.Text
			if text == "" {
				text = fmt.Sprintf("[%s, %s]", FormatDuration(w.From), FormatDuration(w.To))
			}
			b.WriteString(" during " + text)
		}
		return b.String()
	case x.Logs != nil:
		return fmt.Sprintf("%s logs %q (%s lines)", x.Logs.Node, x.Logs.Contains, x.Logs.Count)
	case x.Run != nil:
		return fmt.Sprintf("%s runs %s, exit %d", x.Run.Node, strings.Join(x.Run.Command, " "), x.Run.Exit)
	case x.Accounting != "":
		return "accounting " + x.Accounting
	}
	return "expectation"
}
