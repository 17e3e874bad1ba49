package experiment

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// Result is the verdict on one expectation, with what was seen.
type Result struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"` // reach, accounting, logs, run
	Passed  bool   `json:"passed"`
	Summary string `json:"summary"` // one line: what was seen
	// Reachability: tries evaluated, how many reached, how many were left
	// out for overlapping a fault's transition, the first that went
	// against the expectation, latency percentiles of those that reached,
	// and for a recovery how long it took.
	Tries     int           `json:"tries,omitempty"`
	Reached   int           `json:"reached,omitempty"`
	Skipped   int           `json:"skipped,omitempty"`
	First     *Evidence     `json:"first_failure,omitempty"`
	P50       time.Duration `json:"p50,omitempty"`
	P95       time.Duration `json:"p95,omitempty"`
	Recovered time.Duration `json:"recovered,omitempty"`
}

// Evidence is the first try that went against an expectation: when it
// began and ended, what it met, and the faults in force at any moment of
// it (a try begun just before a cut can fail on the cut).
type Evidence struct {
	At     time.Duration `json:"at"`
	Ended  time.Duration `json:"ended,omitempty"`
	Err    string        `json:"err,omitempty"`
	Faults []string      `json:"faults,omitempty"`
}

// evidence is what a try shows.
func evidence(t *topology.Topology, steps []Step, s Sample) *Evidence {
	return &Evidence{At: s.At, Ended: s.end(), Err: s.Err, Faults: inForceDuring(t, steps, s.At, s.end())}
}

// String is the evidence in words; a try that took a tenth of a second or
// more is named by its span.
func (e Evidence) String() string {
	s := fmt.Sprintf("at %s", seconds(e.At))
	if e.Ended-e.At >= 100*time.Millisecond {
		s = fmt.Sprintf("in a try from %s to %s", seconds(e.At), seconds(e.Ended))
	}
	if e.Err != "" {
		s += ": " + e.Err
	}
	if len(e.Faults) > 0 {
		s += ", with " + strings.Join(e.Faults, " and ") + " in force"
	} else {
		s += ", no fault in force"
	}
	return s
}

// reachResult evaluates a reachability expectation on its tries, given the
// timeline's steps and its length (the window of one that has none).
func reachResult(t *topology.Topology, e topology.Expectation, samples []Sample, steps []Step, length time.Duration) Result {
	r := Result{Name: e.Name, Kind: "reach"}
	if e.Recovery != nil {
		return recovery(t, e, samples, steps, r)
	}
	w := topology.Window{From: 0, To: length}
	if e.During != nil {
		w = clocked(steps, *e.During)
	}
	var latencies []time.Duration
	for _, s := range samples {
		switch {
		case !w.Contains(s.At):
			continue
		case e.During != nil && inTransition(s, steps):
			// A window is about the network before, during or after a
			// step: a try made while one was underway saw neither. One
			// that must hold always must hold while steps run too.
			r.Skipped++
			continue
		}
		r.Tries++
		if s.OK {
			r.Reached++
			latencies = append(latencies, s.Latency)
		}
		if s.OK == e.Fails && r.First == nil {
			r.First = evidence(t, steps, s)
			if s.OK {
				r.First.Err = fmt.Sprintf("reached in %s", ms(s.Latency))
			}
		}
	}
	r.P50, r.P95 = percentile(latencies, 50), percentile(latencies, 95)
	judgeReach(e, w, &r)
	return r
}

// judgeReach passes or fails a reachability result and says why.
func judgeReach(e topology.Expectation, w topology.Window, r *Result) {
	target := e.From + " → " + e.Reach.String()
	switch {
	case r.Tries == 0:
		r.Summary = fmt.Sprintf("%s: no try in the window, %s to %s on the run's clock, outside fault transitions (%d left out): "+
			"make the window longer than a try that fails (the probe timeout)", target, seconds(w.From), seconds(w.To), r.Skipped)
	case r.First != nil && e.Fails:
		r.Summary = fmt.Sprintf("%s was reached, and must not be: %s; %d of %d tries reached", target, r.First, r.Reached, r.Tries)
	case r.First != nil:
		r.Summary = fmt.Sprintf("%s not reached %s; %d of %d tries reached", target, r.First, r.Reached, r.Tries)
	case e.Fails:
		r.Passed = true
		r.Summary = fmt.Sprintf("%s not reached in any of %d tries, as expected", target, r.Tries)
	default:
		r.Passed = true
		r.Summary = fmt.Sprintf("%s reached in %d of %d tries, p50 %s, p95 %s", target, r.Reached, r.Tries, ms(r.P50), ms(r.P95))
	}
	if r.Passed && e.Within != nil {
		got := r.P50
		if e.Within.Percentile == 95 {
			got = r.P95
		}
		if got > e.Within.Max {
			r.Passed = false
			r.Summary = fmt.Sprintf("%s: p%d latency %s over the bound %s (%d tries, p50 %s, p95 %s)",
				target, e.Within.Percentile, ms(got), ms(e.Within.Max), r.Tries, ms(r.P50), ms(r.P95))
		}
	}
}

// recovery evaluates recovers-within: the first try after the step's
// lift began that reached, and how long after the lift was done it
// ended.
func recovery(t *topology.Topology, e topology.Expectation, samples []Sample, steps []Step, r Result) Result {
	rec := e.Recovery
	target := e.From + " → " + e.Reach.String()
	lift, ok := liftOf(t, steps, rec.Step)
	if !ok || lift.Err != "" {
		r.Summary = fmt.Sprintf("%s: the fault %s was never lifted %s", target, rec.Step, lift.Err)
		return r
	}
	var last Sample
	for _, s := range samples {
		if s.At < lift.Began {
			continue
		}
		r.Tries++
		last = s
		if s.OK {
			r.Reached++
			r.Recovered = max(0, s.end()-lift.Done)
			r.Passed = r.Recovered <= rec.Within
			verdict := "within"
			if !r.Passed {
				verdict = "over"
			}
			r.Summary = fmt.Sprintf("%s reached again %s after %s was lifted (at %s), %s the bound %s",
				target, ms(r.Recovered), rec.Step, seconds(lift.Done), verdict, ms(rec.Within))
			return r
		}
	}
	r.First = evidence(t, steps, last)
	r.Summary = fmt.Sprintf("%s not reached again in %d tries after %s was lifted (at %s); the last %s",
		target, r.Tries, rec.Step, seconds(lift.Done), r.First)
	return r
}

// accountingResult evaluates accounting: balanced on the settled books.
func accountingResult(e topology.Expectation, acc orchestrator.Accounting) Result {
	r := Result{Name: e.Name, Kind: "accounting", Passed: acc.Balanced()}
	r.Summary = fmt.Sprintf("%d messages originated, %d delivered, %d dropped with a reason, %d without an outcome, %d with two",
		acc.Originated, acc.Delivered, sum(acc.Dropped), len(acc.Missing), len(acc.Twice))
	if len(acc.Missing) > 0 {
		m := acc.Missing[0]
		r.Summary += fmt.Sprintf("; first unaccounted: %s from %s to %s", m.ID, m.Node, m.Peer)
	}
	return r
}

// logsResult evaluates a log expectation on the node's log lines.
func logsResult(e topology.Expectation, lines []string) Result {
	l := e.Logs
	n := 0
	for _, line := range lines {
		if strings.Contains(line, l.Contains) {
			n++
		}
	}
	r := Result{Name: e.Name, Kind: "logs", Passed: l.Count.Holds(n)}
	r.Summary = fmt.Sprintf("%d lines of %s's log hold %q, want %s", n, l.Node, l.Contains, l.Count)
	return r
}

// runResult evaluates a command's exit: code and output as it ran, or err when
// it could not run.
func runResult(e topology.Expectation, code int, output string, err error) Result {
	r := Result{Name: e.Name, Kind: "run"}
	cmd := strings.Join(e.Run.Command, " ")
	switch {
	case err != nil:
		r.Summary = fmt.Sprintf("%s in %s could not run: %v", cmd, e.Run.Node, err)
	case code != e.Run.Exit:
		r.Summary = fmt.Sprintf("%s in %s exited %d, want %d: %s", cmd, e.Run.Node, code, e.Run.Exit, lastLine(output))
	default:
		r.Passed = true
		r.Summary = fmt.Sprintf("%s in %s exited %d", cmd, e.Run.Node, code)
	}
	return r
}

// percentile is the nearest-rank percentile p of ds (0 for none).
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (p*len(s)+99)/100 - 1
	return s[max(0, min(i, len(s)-1))]
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// seconds is an offset on the timeline, like 5.9s.
func seconds(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }

// ms is a latency, like 1.2ms.
func ms(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= 10*time.Millisecond:
		return d.Round(time.Millisecond).String()
	case d >= 100*time.Microsecond:
		return d.Round(10 * time.Microsecond).String()
	default:
		return d.String()
	}
}
