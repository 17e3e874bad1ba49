package experiment

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// Defaults of a run.
const (
	DefaultInterval = 250 * time.Millisecond // between two tries of a target
	DefaultTimeout  = time.Second            // a try gives up after this
	DefaultHold     = 5 * time.Second        // how long a file with no moment in it is watched
	// probeStartWait bounds the wait for every probe helper's first
	// try before the timeline starts: a helper is a container start.
	probeStartWait = 30 * time.Second
	// nodeProbeInterval is the least interval of node probes, each a
	// message sent through an agent's control socket.
	nodeProbeInterval = 500 * time.Millisecond
	settleTimeout     = time.Minute
)

// Options of a run.
type Options struct {
	Interval time.Duration // DefaultInterval when 0
	Timeout  time.Duration // DefaultTimeout when 0
	Hold     time.Duration // DefaultHold when 0
	// Now evaluates only the expectations without a window, runs no
	// fault, and reads the books without settling them (traffic keeps
	// running): topo check on a running topology.
	Now bool
	// Progress, when set, is told what happens as it happens, one line at
	// a time.
	Progress func(string)
	// Timeline runs the file's fault schedule from start (the moment the
	// probes are all trying), telling observe about each step. Nil runs
	// orchestrator.RunTimeline; topo test runs it under a schedule marker
	// so that a down stops it.
	Timeline func(ctx context.Context, start time.Time, observe func(orchestrator.StepDone)) error
}

func (o *Options) defaults() {
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Hold <= 0 {
		o.Hold = DefaultHold
	}
	if o.Progress == nil {
		o.Progress = func(string) {}
	}
}

// Engine is what a run asks of topo; orchestrator.Service has it all.
type Engine interface {
	AppliedPlan(ctx context.Context, name string) (*topology.Plan, error)
	Probe(ctx context.Context, name, from string, req agent.ProbeRequest, emit func(agent.ProbeSample)) error
	Send(ctx context.Context, name string, opts orchestrator.SendOptions) (*agent.Receipt, error)
	RunTimeline(ctx context.Context, name string, faults []topology.ScheduledFault, start time.Time, observe func(orchestrator.StepDone)) error
	Settle(ctx context.Context, name string, timeout time.Duration) error
	Account(ctx context.Context, name string) (orchestrator.Accounting, error)
	Logs(ctx context.Context, name string, opts orchestrator.LogsOptions, emit func(orchestrator.LogLine) error) error
	Exec(ctx context.Context, name string, opts orchestrator.ExecOptions) (int, error)
}

// Run evaluates a file's expectations on its running topology name: it
// starts the probes, runs the fault timeline once they all try, and when
// the timeline is over reads the books, the logs and runs the commands.
// An error is a run that could not be made; failed expectations are in
// the report.
func Run(ctx context.Context, o Engine, name string, t *topology.Topology, opts Options) (*Report, error) {
	opts.defaults()
	plan, err := o.AppliedPlan(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("test: %w", err)
	}
	exps := selected(t, opts.Now)
	if len(exps) == 0 {
		return nil, fmt.Errorf("test: %s expects nothing: add an expect: section (see README, Testing your software)", t.File)
	}
	rep := &Report{Topology: name, File: t.File, Started: time.Now()}
	rep.Length = opts.Hold
	if !opts.Now {
		rep.Length = Length(t, opts.Hold)
	}
	r := newRecorder(len(t.Expect))
	probes, failed := probePlan(plan, t, exps, opts)
	if len(probes.groups)+len(probes.nodes) == 0 && (opts.Now || len(t.Faults) == 0) {
		rep.Length = 0 // nothing to watch over time: the checks run at once
	}
	start, stopProbes := r.startProbes(ctx, o, name, probes, opts, rep.Length)
	defer stopProbes()
	if err := r.runTimeline(ctx, o, name, t, opts, start, rep.Length); err != nil {
		return nil, err
	}
	stopProbes()
	rep.Steps = r.steps
	rep.Results = evaluate(ctx, o, name, t, exps, failed, r, opts, rep.Length)
	rep.Elapsed = time.Since(rep.Started)
	return rep, ctx.Err()
}

// selected are the indexes of the expectations a run evaluates.
func selected(t *topology.Topology, now bool) []int {
	var out []int
	for i, e := range t.Expect {
		if !now || !e.Timed() {
			out = append(out, i)
		}
	}
	return out
}

// runTimeline runs the fault schedule from start, unless the run is for
// now, and waits until the timeline's length has passed.
func (r *recorder) runTimeline(ctx context.Context, o Engine, name string, t *topology.Topology, opts Options, start time.Time, length time.Duration) error {
	done := make(chan error, 1)
	observe := func(st orchestrator.StepDone) {
		r.step(start, st)
		msg := fmt.Sprintf("%s  %s (applied in %s)", seconds(st.Began.Sub(start)), st.What, ms(st.Done.Sub(st.Began)))
		if st.Err != nil {
			msg = fmt.Sprintf("%s  %s: failed: %v", seconds(st.Began.Sub(start)), st.What, st.Err)
		}
		opts.Progress(msg)
	}
	switch {
	case opts.Now || len(t.Faults) == 0:
		done <- nil
	case opts.Timeline != nil:
		go func() { done <- opts.Timeline(ctx, start, observe) }()
	default:
		go func() { done <- o.RunTimeline(ctx, name, t.Faults, start, observe) }()
	}
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	end := time.NewTimer(time.Until(start.Add(length)))
	defer end.Stop()
	var timelineErr error
	for finished := false; ; {
		select {
		case <-ctx.Done():
			return fmt.Errorf("test: %w", ctx.Err())
		case err := <-done:
			finished, timelineErr = true, err
			done = nil
			// A late last step (a fault's helper slow to start on a busy
			// engine, its lift then held back so that the fault lasts its
			// time) keeps the time the file gives after it.
			end.Reset(time.Until(start.Add(length + r.lateness())))
		case <-tick.C:
			opts.Progress(r.progress(t, start, length))
		case <-end.C:
			if !finished {
				// A step still underway (a node restart on a slow engine)
				// ends before the books are read: the timeline's end
				// moves to after it.
				continue
			}
			if timelineErr != nil && !errors.Is(timelineErr, context.Canceled) {
				opts.Progress("the fault timeline stopped: " + timelineErr.Error())
			}
			return nil
		}
	}
}

// evaluate judges every selected expectation, in the file's order.
func evaluate(ctx context.Context, o Engine, name string, t *topology.Topology, exps []int, failed map[int]string,
	r *recorder, opts Options, length time.Duration) []Result {
	after := &afterChecks{o: o, name: name, now: opts.Now, progress: opts.Progress}
	var out []Result
	for _, i := range exps {
		e := t.Expect[i]
		var res Result
		switch {
		case failed[i] != "":
			res = Result{Name: e.Name, Kind: "reach", Summary: failed[i]}
		case e.Reach != nil:
			samples, err := r.samplesOf(i)
			res = reachResult(t, e, samples, r.steps, length)
			if err != "" {
				res.Passed, res.Summary = false, err
			}
		case e.Accounting != "":
			res = after.accounting(ctx, e)
		case e.Logs != nil:
			res = after.logs(ctx, e)
		case e.Run != nil:
			res = after.run(ctx, e)
		}
		if res.Name == "" {
			res.Name = "expect[" + strconv.Itoa(i) + "]"
		}
		out = append(out, res)
	}
	return out
}

// recorder keeps the samples of every probe and the steps of the
// timeline, as they come, from several goroutines.
type recorder struct {
	mu      sync.Mutex
	start   time.Time
	samples map[int][]stamped
	errs    map[int]string // a probe that could not run, by expectation
	steps   []Step
	firsts  map[string]bool // probe groups that have tried once
}

// stamped is a sample with its wall-clock time, made an offset once the
// timeline's start is known.
type stamped struct {
	at time.Time
	s  Sample
}

func newRecorder(n int) *recorder {
	return &recorder{samples: make(map[int][]stamped, n), errs: map[int]string{}, firsts: map[string]bool{}}
}

func (r *recorder) add(exp int, at time.Time, s Sample) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.samples[exp] = append(r.samples[exp], stamped{at, s})
}

func (r *recorder) step(start time.Time, st orchestrator.StepDone) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := Step{Fault: st.Fault, Lift: st.Lift, What: st.What, Planned: st.Planned, Began: st.Began.Sub(start), Done: st.Done.Sub(start)}
	if st.Err != nil {
		s.Err = st.Err.Error()
	}
	r.steps = append(r.steps, s)
}

// lateness is how late the last step of the timeline ended after its
// time on the schedule; 0 when it was on time or there was none.
func (r *recorder) lateness() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.steps) == 0 {
		return 0
	}
	last := r.steps[len(r.steps)-1]
	return max(0, last.Done-last.Planned)
}

// samplesOf are an expectation's tries from the timeline's start on, as
// offsets from it, and why its probe failed, if it did.
func (r *recorder) samplesOf(exp int) ([]Sample, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Sample
	for _, st := range r.samples[exp] {
		if at := st.at.Sub(r.start); at >= 0 {
			st.s.At = at
			out = append(out, st.s)
		}
	}
	return out, r.errs[exp]
}

// progress is a line on how the run goes: where on the timeline, the
// faults in force, the tries so far and those that went against their
// expectation (in its window, as planned), naming the expectations.
func (r *recorder) progress(t *topology.Topology, start time.Time, length time.Duration) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Since(start)
	tries, against := 0, 0
	var failing []string
	for i, ss := range r.samples {
		e := t.Expect[i]
		bad := 0
		for _, st := range ss {
			at := st.at.Sub(start)
			if at < 0 {
				continue
			}
			tries++
			if st.s.OK == e.Fails && (e.During == nil || e.During.Contains(at)) && e.Recovery == nil {
				bad++
			}
		}
		if bad > 0 {
			against += bad
			failing = append(failing, e.Name)
		}
	}
	line := fmt.Sprintf("%s / %s", seconds(now), seconds(length))
	if f := inForce(t, r.steps, now); len(f) > 0 {
		line += "  in force: " + strings.Join(f, ", ")
	}
	line += fmt.Sprintf("  %d tries, %d against expectations", tries, against)
	if len(failing) > 0 {
		slices.Sort(failing)
		line += " (" + strings.Join(failing, "; ") + ")"
	}
	return line
}
