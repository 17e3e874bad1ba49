// Package experiment runs a topology file's expectations (expect:) against
// the topology while its fault timeline runs, and reports what it saw:
// topo test and topo check, and topotest's Expect. Reachability is probed
// from inside each node's network namespace at a steady rate (the agent's
// probe verb in a helper, so any image works); the other checks read the
// agents' logs and run commands once the timeline is over. Evaluation is
// pure: recorded samples and steps in, verdicts with evidence out.
package experiment

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/topo-dev/topo/topology"
)

// Sample is one probe try, at an offset from the timeline's start.
type Sample struct {
	At      time.Duration `json:"at"`
	OK      bool          `json:"ok"`
	Latency time.Duration `json:"latency"`
	Err     string        `json:"err,omitempty"`
}

// end is when the try ended.
func (s Sample) end() time.Duration { return s.At + s.Latency }

// Step is one step of the fault timeline as it ran, in offsets from the
// timeline's start: fault Fault (its index in the file's faults:) applied
// or lifted, underway from Began to Done.
type Step struct {
	Fault   int           `json:"fault"`
	Lift    bool          `json:"lift"`
	What    string        `json:"what"`
	Planned time.Duration `json:"planned"`
	Began   time.Duration `json:"began"`
	Done    time.Duration `json:"done"`
	Err     string        `json:"err,omitempty"`
}

// tail is how long the timeline runs on after its last moment, so that
// the last window gets samples to its end.
const tail = time.Second

// Length is how long a file's timeline runs: to the last fault step, the
// end of the last window and the last recovery bound, and a little more;
// hold when the file names no moment at all.
func Length(t *topology.Topology, hold time.Duration) time.Duration {
	var last time.Duration
	for _, f := range t.Faults {
		last = max(last, f.At+f.For)
	}
	for _, e := range t.Expect {
		if e.During != nil {
			last = max(last, e.During.To)
		}
		if e.Recovery != nil {
			last = max(last, e.Recovery.Lifted+e.Recovery.Within)
		}
	}
	if last == 0 {
		return hold
	}
	return max(last+tail, hold)
}

// onClock maps a moment of the file's timeline to the run's: a step takes
// effect when it is done, not when it was planned (a link is cut once the
// helper that cuts it has run, a second later on a busy engine), so a
// moment at or after a step's planned time moves by how late that step was
// done, but never past the beginning of the next step. A window written
// as [{at: cut}, +2s] thus starts when the cut is in force and still ends
// before the cut is lifted.
func onClock(steps []Step, planned time.Duration) time.Duration {
	var lag time.Duration
	next := time.Duration(math.MaxInt64)
	for _, st := range steps {
		if st.Planned <= planned {
			lag = max(0, st.Done-st.Planned)
		} else {
			next = min(next, st.Began)
		}
	}
	return max(planned, min(planned+lag, next))
}

// clocked is a window on the run's clock.
func clocked(steps []Step, w topology.Window) topology.Window {
	w.From, w.To = onClock(steps, w.From), onClock(steps, w.To)
	return w
}

// inTransition reports whether a try overlapped a step that was underway:
// it saw the network neither before nor after the change, so it says
// nothing about either.
func inTransition(s Sample, steps []Step) bool {
	for _, st := range steps {
		if s.At <= st.Done && s.end() >= st.Began {
			return true
		}
	}
	return false
}

// inForce names the faults in force at offset at: applied by then, and
// not yet lifted; one whose step is under way at that moment is named so
// ("being applied", "being lifted"). Empty when none.
func inForce(t *topology.Topology, steps []Step, at time.Duration) []string {
	return inForceDuring(t, steps, at, at)
}

// inForceDuring names the faults in force at some moment from from to to,
// each as it stood at the last such moment.
func inForceDuring(t *topology.Topology, steps []Step, from, to time.Duration) []string {
	moments := []time.Duration{from}
	for _, st := range steps {
		for _, m := range []time.Duration{st.Began, st.Done} {
			if m > from && m < to {
				moments = append(moments, m)
			}
		}
	}
	moments = append(moments, to)
	named := map[int]string{}
	var order []int
	for _, m := range moments {
		for i, state := range faultStates(t, steps, m) {
			if state == "lifted" {
				continue
			}
			if _, seen := named[i]; !seen {
				order = append(order, i)
			}
			named[i] = faultName(t.Faults[i]) + state
		}
	}
	slices.Sort(order)
	out := make([]string, 0, len(order))
	for _, i := range order {
		out = append(out, named[i])
	}
	return out
}

// faultStates is where each fault the steps touched by offset at stands:
// "" (in force), " (being applied)", " (being lifted)" or "lifted".
func faultStates(t *topology.Topology, steps []Step, at time.Duration) map[int]string {
	state := map[int]string{}
	for _, st := range steps {
		if st.Err != "" || st.Began > at || st.Fault >= len(t.Faults) {
			continue
		}
		under := at < st.Done
		switch {
		case !st.Lift && under:
			state[st.Fault] = " (being applied)"
		case !st.Lift:
			state[st.Fault] = ""
		case under:
			state[st.Fault] = " (being lifted)"
		default:
			state[st.Fault] = "lifted"
		}
	}
	return state
}

// faultName is a fault as a report names it: its name and what it is.
func faultName(f topology.ScheduledFault) string {
	if f.Name != "" {
		return fmt.Sprintf("%s (%s)", f.Name, f.String())
	}
	return f.String()
}

// liftOf finds the step that lifted the fault named step.
func liftOf(t *topology.Topology, steps []Step, step string) (Step, bool) {
	for _, st := range steps {
		if st.Lift && st.Fault < len(t.Faults) && t.Faults[st.Fault].Name == step {
			return st, true
		}
	}
	return Step{}, false
}
