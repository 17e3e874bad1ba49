package topology

import (
	"fmt"
	"slices"
)

// shapeProblems checks an expectation built in Go the way decoding checks
// one read from a file: one kind of check, and qualifiers that fit it.
func shapeProblems(t *Topology, x Expectation) []string {
	var out []string
	add := func(cond bool, format string, args ...any) {
		if cond {
			out = append(out, fmt.Sprintf(format, args...))
		}
	}
	kinds := 0
	for _, has := range []bool{x.Reach != nil, x.Accounting != "", x.Logs != nil, x.Run != nil} {
		if has {
			kinds++
		}
	}
	add(kinds != 1, "give exactly one of Reach, Accounting, Logs or Run")
	add(x.Name != "" && badExpectName(x.Name) != "", "name: %s", badExpectName(x.Name))
	if x.Reach == nil {
		add(x.From != "" || x.Fails || x.Within != nil || x.During != nil || x.Recovery != nil,
			"From, Fails, Within, During and Recovery go with Reach only")
	} else {
		out = append(out, reachProblems(t, x)...)
	}
	add(x.Accounting != "" && x.Accounting != AccountingBalanced, "accounting %q, want %q", x.Accounting, AccountingBalanced)
	if l := x.Logs; l != nil {
		add(l.Node == "", "logs: no node")
		add(l.Contains == "", "logs: Contains is empty: give the text to look for")
		add(!slices.Contains(countOps, l.Count.Op) || l.Count.N < 0 || l.Count == Count{Op: "<"},
			"logs: count %q never holds or is not one of ==, >=, <=, > or < and a number from 0", l.Count)
	}
	if r := x.Run; r != nil {
		add(r.Node == "", "run: no node")
		add(len(r.Command) == 0, "run: the command is empty")
		add(r.Exit < 0 || r.Exit > 255, "run: exit %d is not an exit status (0 to 255)", r.Exit)
	}
	return out
}

// reachProblems checks the qualifiers of a reach check built in Go.
func reachProblems(t *Topology, x Expectation) []string {
	var out []string
	add := func(cond bool, format string, args ...any) {
		if cond {
			out = append(out, fmt.Sprintf(format, args...))
		}
	}
	tg := *x.Reach
	add(x.From == "", "a reach check needs From: the node the probe runs from")
	back, err := parseTarget(tg.String())
	add(err != nil, "reach: %v", err)
	add(err == nil && (back.Node != tg.Node || back.Kind != tg.Kind), "reach: %q is not a target topo can probe", tg.String())
	add(tg.Kind != ProbeHTTP && (tg.Status != 0 || tg.Body != ""), "reach: Status and Body go with an http target only")
	add(tg.Kind == ProbeHTTP && tg.Status != 0 && (tg.Status < 100 || tg.Status > 599), "reach: status %d is not an HTTP status", tg.Status)
	add(x.Fails && (x.Within != nil || x.Recovery != nil), "a target that must not be reached (Fails) has no latency and no recovery")
	add(x.Recovery != nil && (x.Within != nil || x.During != nil), "a recovery has neither Within nor During")
	if w := x.Within; w != nil {
		add(!slices.Contains([]int{50, 95}, w.Percentile) || w.Max <= 0,
			"within: want a percentile of 50 or 95 and a bound above 0, got p%d %v", w.Percentile, w.Max)
	}
	if w := x.During; w != nil {
		add(w.From < 0 || w.To <= w.From, "during: the window [%v, %v] is empty", w.From, w.To)
	}
	if r := x.Recovery; r != nil {
		i := slices.IndexFunc(t.Faults, func(f ScheduledFault) bool { return f.Name == r.Step && r.Step != "" })
		add(i < 0, "recovery: no fault step named %q", r.Step)
		add(i >= 0 && (t.Faults[i].For <= 0 || t.Faults[i].At+t.Faults[i].For != r.Lifted),
			"recovery: step %q is not lifted at %v", r.Step, r.Lifted)
		add(r.Within <= 0, "recovery: Within must be above 0")
	}
	return out
}
