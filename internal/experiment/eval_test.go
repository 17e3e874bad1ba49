package experiment

import (
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

const s = time.Second

// cutFile is a file whose link hub–spoke3 is down from 5s to 9s.
var cutFile = &topology.Topology{
	Faults: []topology.ScheduledFault{{Name: "cut", At: 5 * s, For: 4 * s, Link: []string{"hub", "spoke3"}, Down: true}},
}

// cutSteps is that fault as it ran: applied from 5.0s to 5.8s, lifted
// from 9.0s to 9.5s.
var cutSteps = []Step{
	{Fault: 0, What: "cut", Planned: 5 * s, Began: 5 * s, Done: 5800 * time.Millisecond},
	{Fault: 0, Lift: true, What: "lifted: cut", Planned: 9 * s, Began: 9 * s, Done: 9500 * time.Millisecond},
}

// tries are one try every half second from 0 to 12s: reached (1 ms)
// while the link is up, timed out (1 s) while it is down.
func tries(up func(at time.Duration) bool) []Sample {
	var out []Sample
	for at := time.Duration(0); at <= 12*s; at += s / 2 {
		if up(at) {
			out = append(out, Sample{At: at, OK: true, Latency: time.Millisecond})
		} else {
			out = append(out, Sample{At: at, Latency: 900 * time.Millisecond, Err: "timeout"})
		}
	}
	return out
}

// honest is the link as the steps say: down once the cut is done, up
// again once the lift is.
var honest = tries(func(at time.Duration) bool { return at < 5800*time.Millisecond || at >= 9500*time.Millisecond })

func reach(mod func(*topology.Expectation)) topology.Expectation {
	e := topology.Expectation{Name: "x", From: "spoke1", Reach: &topology.Target{Kind: topology.ProbeNode, Node: "spoke3"}}
	if mod != nil {
		mod(&e)
	}
	return e
}

func TestReach(t *testing.T) {
	for _, c := range []struct {
		name    string
		e       topology.Expectation
		samples []Sample
		pass    bool
		summary string // a part of it
		firstAt time.Duration
	}{
		{"always, and the cut breaks it", reach(nil), honest, false,
			"spoke1 → spoke3 not reached in a try from 6.0s to 6.9s: timeout, with cut (at 5s: link hub–spoke3 down for 4s) in force", 6 * s},
		{"before the cut", reach(func(e *topology.Expectation) { e.During = &topology.Window{From: 0, To: 4 * s} }), honest, true,
			"reached in 9 of 9 tries, p50 1ms, p95 1ms", 0},
		{"the cut is felt", reach(func(e *topology.Expectation) {
			e.Fails, e.During = true, &topology.Window{From: 5 * s, To: 8 * s}
		}), honest, true, "not reached in any of 5 tries, as expected", 0},
		{"a cut that leaks", reach(func(e *topology.Expectation) {
			e.Fails, e.During = true, &topology.Window{From: 5 * s, To: 8 * s}
		}), tries(func(at time.Duration) bool { return at < 5800*time.Millisecond || at == 7*s }), false,
			"was reached, and must not be: at 7.0s: reached in 1ms, with cut (at 5s: link hub–spoke3 down for 4s) in force", 7 * s},
		{"latency over the bound", reach(func(e *topology.Expectation) {
			e.During, e.Within = &topology.Window{From: 0, To: 4 * s}, &topology.LatencyBound{Percentile: 95, Max: 500 * time.Microsecond}
		}), honest, false, "p95 latency 1ms over the bound 500µs", 0},
		{"a try begun before the cut fails on it", reach(nil),
			tries(func(at time.Duration) bool { return at < 4500*time.Millisecond || at >= 9500*time.Millisecond }), false,
			"not reached in a try from 4.5s to 5.4s: timeout, with cut (at 5s: link hub–spoke3 down for 4s) (being applied) in force", 4500 * time.Millisecond},
		{"no tries in the window", reach(func(e *topology.Expectation) {
			e.During = &topology.Window{From: 5100 * time.Millisecond, To: 5150 * time.Millisecond}
		}),
			honest, false, "no try in the window, 5.9s to 6.0s on the run's clock, outside fault transitions", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := reachResult(cutFile, c.e, c.samples, cutSteps, 12*s)
			if r.Passed != c.pass || !strings.Contains(r.Summary, c.summary) {
				t.Errorf("passed %v: %s\nwant passed %v and %q", r.Passed, r.Summary, c.pass, c.summary)
			}
			if c.firstAt != 0 && (r.First == nil || r.First.At != c.firstAt) {
				t.Errorf("first failure %+v, want at %v", r.First, c.firstAt)
			}
		})
	}
}

// Tries that overlap a step underway are left out, not counted either way.
func TestTransitionsAreLeftOut(t *testing.T) {
	e := reach(func(e *topology.Expectation) { e.During = &topology.Window{From: 4 * s, To: 4900 * time.Millisecond} })
	// The try at 4.5s takes 900 ms: it overlaps the cut being applied.
	samples := []Sample{{At: 4 * s, OK: true, Latency: time.Millisecond}, {At: 4500 * time.Millisecond, Latency: 900 * time.Millisecond, Err: "timeout"}}
	r := reachResult(cutFile, e, samples, cutSteps, 12*s)
	if !r.Passed || r.Tries != 1 || r.Skipped != 1 {
		t.Errorf("got %+v, want one try and one left out (the one at 4.5s, into the cut's transition)", r)
	}
}

func TestRecovery(t *testing.T) {
	e := reach(func(e *topology.Expectation) {
		e.Recovery = &topology.Recovery{Step: "cut", Lifted: 9 * s, Within: 2 * s}
	})
	slow := tries(func(at time.Duration) bool { return at < 5800*time.Millisecond || at >= 12*s })
	never := tries(func(at time.Duration) bool { return at < 5800*time.Millisecond })
	for _, c := range []struct {
		name      string
		samples   []Sample
		steps     []Step
		pass      bool
		recovered time.Duration
		summary   string
	}{
		{"at once", honest, cutSteps, true, 1 * time.Millisecond, "reached again 1ms after cut was lifted (at 9.5s), within the bound 2.00s"},
		{"too slow", slow, cutSteps, false, 2501 * time.Millisecond, "reached again 2.50s after cut was lifted (at 9.5s), over the bound 2.00s"},
		{"never", never, cutSteps, false, 0, "not reached again in 7 tries after cut was lifted (at 9.5s); the last in a try from 12.0s to 12.9s: timeout, no fault in force"},
		{"not lifted", honest, cutSteps[:1], false, 0, "the fault cut was never lifted"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := reachResult(cutFile, e, c.samples, c.steps, 12*s)
			if r.Passed != c.pass || r.Recovered != c.recovered || !strings.Contains(r.Summary, c.summary) {
				t.Errorf("passed %v, recovered %v: %s\nwant %v, %v: %q", r.Passed, r.Recovered, r.Summary, c.pass, c.recovered, c.summary)
			}
		})
	}
}

func TestChecksAfterTheTimeline(t *testing.T) {
	acc := orchestrator.Accounting{Originated: 3, Delivered: 2, Dropped: map[string]int{"link_down": 1}}
	if r := accountingResult(topology.Expectation{Accounting: topology.AccountingBalanced}, acc); !r.Passed ||
		r.Summary != "3 messages originated, 2 delivered, 1 dropped with a reason, 0 without an outcome, 0 with two" {
		t.Errorf("balanced: %+v", r)
	}
	acc.Missing = []agent.Event{{ID: "a-7", Node: "a", Peer: "c"}}
	if r := accountingResult(topology.Expectation{}, acc); r.Passed || !strings.Contains(r.Summary, "first unaccounted: a-7 from a to c") {
		t.Errorf("a message lost: %+v", r)
	}

	logs := topology.Expectation{Logs: &topology.LogExpectation{Node: "server", Contains: "got connection", Count: topology.Count{Op: ">=", N: 2}}}
	lines := []string{"got connection from 10.0.0.2", "something else", "got connection from 10.0.0.3"}
	if r := logsResult(logs, lines); !r.Passed || r.Summary != `2 lines of server's log hold "got connection", want >= 2` {
		t.Errorf("logs: %+v", r)
	}
	if r := logsResult(logs, lines[:2]); r.Passed {
		t.Errorf("one line, want >= 2: %+v", r)
	}

	run := topology.Expectation{Run: &topology.RunExpectation{Node: "box", Command: []string{"wget", "http://web/"}, Exit: 0}}
	if r := runResult(run, 0, "", nil); !r.Passed {
		t.Errorf("exit 0: %+v", r)
	}
	if r := runResult(run, 1, "connecting\nwget: server returned error: 404\n", nil); r.Passed || !strings.Contains(r.Summary, "exited 1, want 0: wget: server returned error: 404") {
		t.Errorf("exit 1: %+v", r)
	}
}

func TestLength(t *testing.T) {
	withWindow := &topology.Topology{Faults: cutFile.Faults, Expect: []topology.Expectation{
		reach(func(e *topology.Expectation) { e.During = &topology.Window{From: 0, To: 20 * s} }),
	}}
	withRecovery := &topology.Topology{Faults: cutFile.Faults, Expect: []topology.Expectation{
		reach(func(e *topology.Expectation) {
			e.Recovery = &topology.Recovery{Step: "cut", Lifted: 9 * s, Within: 5 * s}
		}),
	}}
	for _, c := range []struct {
		t    *topology.Topology
		want time.Duration
	}{
		{&topology.Topology{}, 5 * s},
		{cutFile, 10 * s},
		{withWindow, 21 * s},
		{withRecovery, 15 * s},
	} {
		if got := Length(c.t, 5*s); got != c.want {
			t.Errorf("Length: %v, want %v", got, c.want)
		}
	}
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	if p50, p95 := percentile(ds, 50), percentile(ds, 95); p50 != 50*time.Millisecond || p95 != 95*time.Millisecond {
		t.Errorf("p50 %v p95 %v", p50, p95)
	}
	if percentile(nil, 50) != 0 || percentile(ds[:1], 95) != time.Millisecond {
		t.Error("percentile of none or one")
	}
}

// A window that starts at a step starts when the step is done, and one
// that ends before the next step still does, however late the first was.
func TestOnClock(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		planned, want time.Duration
	}{
		{4 * s, 4 * s},       // before any step
		{5 * s, 5800 * ms},   // at the cut: once it is done
		{7 * s, 7800 * ms},   // 2s into it
		{8500 * ms, 9 * s},   // never past the lift's beginning
		{9 * s, 9500 * ms},   // at the lift: once it is done
		{12 * s, 12500 * ms}, // after it, by the lift's lag
	} {
		if got := onClock(cutSteps, c.planned); got != c.want {
			t.Errorf("onClock(%v) = %v, want %v", c.planned, got, c.want)
		}
	}
	late := []Step{{Planned: 10 * s, Began: 10 * s, Done: 12 * s}, {Lift: true, Planned: 13 * s, Began: 13 * s, Done: 13500 * ms}}
	if w := clocked(late, topology.Window{From: 10 * s, To: 12 * s}); w.From != 12*s || w.To != 13*s {
		t.Errorf("[at: cut, +2s] with a cut done 2s late: %+v, want [12s, 13s]", w)
	}
}

// The progress line says where the run is, the faults in force and the
// expectations that tries went against so far.
func TestProgress(t *testing.T) {
	top := &topology.Topology{Faults: cutFile.Faults, Expect: []topology.Expectation{reach(nil), reach(func(e *topology.Expectation) { e.Name = "felt"; e.Fails = true })}}
	r := newRecorder(2)
	start := time.Now().Add(-6 * s)
	r.steps = cutSteps[:1]
	r.add(0, start.Add(s), Sample{OK: true})
	r.add(0, start.Add(6*s), Sample{Err: "timeout"})
	r.add(1, start.Add(6*s), Sample{Err: "timeout"})
	r.add(1, start.Add(-s), Sample{OK: true}) // before the start: not counted
	line := r.progress(top, start, 12*s)
	for _, want := range []string{"6.0s / 12.0s", "in force: cut (at 5s: link hub–spoke3 down for 4s)", "3 tries, 1 against expectations (x)"} {
		if !strings.Contains(line, want) {
			t.Errorf("%q lacks %q", line, want)
		}
	}
}

// A fault whose step is under way is named so in the evidence.
func TestInForce(t *testing.T) {
	for _, c := range []struct {
		at   time.Duration
		want string
	}{
		{4 * s, ""},
		{5400 * time.Millisecond, "cut (at 5s: link hub–spoke3 down for 4s) (being applied)"},
		{6 * s, "cut (at 5s: link hub–spoke3 down for 4s)"},
		{9200 * time.Millisecond, "cut (at 5s: link hub–spoke3 down for 4s) (being lifted)"},
		{10 * s, ""},
	} {
		if got := strings.Join(inForce(cutFile, cutSteps, c.at), ", "); got != c.want {
			t.Errorf("at %v: %q, want %q", c.at, got, c.want)
		}
	}
}
