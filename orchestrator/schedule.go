package orchestrator

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator/internal/faults"
	"github.com/topo-dev/topo/topology"
)

// StepDone is one step of a fault schedule as it ran: the fault (its index
// in the schedule) applied or lifted, when that was planned, and when it
// began and ended. A fault is in force from the Done of its apply step to
// the Began of its lift step; in between Began and Done it is underway.
type StepDone struct {
	Fault   int
	Lift    bool
	What    string
	Planned time.Duration // after the schedule's start
	Began   time.Time
	Done    time.Time
	Err     error
}

// RunSchedule applies a topology's fault schedule: each fault at start
// plus its At, lifted For later when For is set (For after it took effect,
// when its step was late: see liftAt). It returns when the last
// step is done, when one fails, or when ctx ends. Each step is logged as a
// "fault" event under the node "faults", which `topo logs` shows among the
// nodes' own events.
func (o *Orchestrator) RunSchedule(ctx context.Context, name string, schedule []topology.ScheduledFault, start time.Time) error {
	return o.RunTimeline(ctx, name, schedule, start, nil)
}

// RunTimeline is RunSchedule that also tells observe (when not nil) about
// each step as it ends, for topo test to know when each fault was in
// force.
func (o *Orchestrator) RunTimeline(ctx context.Context, name string, schedule []topology.ScheduledFault, start time.Time, observe func(StepDone)) error {
	if err := needName(name); err != nil {
		return fmt.Errorf("schedule: %w", err)
	}
	// Logging a step starts a container, which a busy engine takes a
	// second or more to do: it runs beside the step, stamped with the
	// moment the step began, so that neither delays the next step.
	var notes sync.WaitGroup
	defer notes.Wait()
	note := func(msg string, at time.Time) {
		notes.Add(1)
		go func() { defer notes.Done(); o.noteStep(context.WithoutCancel(ctx), name, msg, at) }()
	}
	applied := map[int]time.Time{} // when each fault's step was done
	for _, s := range faults.Steps(scheduleVerbs{o, name}, schedule) {
		t := time.NewTimer(time.Until(liftAt(start, s, schedule, applied)))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		began := time.Now()
		note(s.What, began)
		err := s.Do(ctx)
		if !s.Lift {
			applied[s.Fault] = time.Now()
		}
		if observe != nil {
			observe(StepDone{Fault: s.Fault, Lift: s.Lift, What: s.What, Planned: s.At, Began: began, Done: time.Now(), Err: err})
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err() // stopped mid-step, by a down: its topology goes, with any record of the step
			}
			note(s.What+": failed: "+err.Error(), time.Now())
			return fmt.Errorf("fault schedule of %s: %s: %w", name, s.What, err)
		}
	}
	return nil
}

// liftAt is when step s runs: at its time on the schedule, and a lift no
// sooner than its fault's duration after the fault took effect. A busy
// engine takes seconds to start the helper that makes a fault; lifted on
// the schedule's time, "down for 4s" would then hold for no time at all.
// The steps after a late lift run late, as after any slow step.
func liftAt(start time.Time, s faults.Step, schedule []topology.ScheduledFault, applied map[int]time.Time) time.Time {
	at := start.Add(s.At)
	if done, ok := applied[s.Fault]; ok && s.Lift {
		if held := done.Add(schedule[s.Fault].For); held.After(at) {
			return held
		}
	}
	return at
}

// scheduleVerbs are the fault verbs on one topology, as its schedule's
// steps call them.
type scheduleVerbs struct {
	o    *Orchestrator
	name string
}

func (v scheduleVerbs) Link(ctx context.Context, a, b, from string, down bool) error {
	_, err := v.o.Link(ctx, v.name, LinkOptions{A: a, B: b, Down: down, From: from})
	return err
}

func (v scheduleVerbs) Impair(ctx context.Context, opts ImpairOptions) error {
	_, err := v.o.Impair(ctx, v.name, opts)
	return err
}

func (v scheduleVerbs) Partition(ctx context.Context, groups [][]string) error {
	_, err := v.o.Partition(ctx, v.name, groups)
	return err
}

func (v scheduleVerbs) Heal(ctx context.Context) error {
	_, err := v.o.Heal(ctx, v.name)
	return err
}

func (v scheduleVerbs) NodeAction(ctx context.Context, node string, act engine.Action) error {
	return v.o.NodeAction(ctx, v.name, NodeActionOptions{Action: act, Nodes: []string{node}, By: "schedule"})
}

// noteStep logs a step, and a failure to log it as a diagnostic.
func (o *Orchestrator) noteStep(ctx context.Context, name, msg string, at time.Time) {
	if err := o.logStep(ctx, name, msg, at); err != nil {
		o.log.Warn("fault schedule: log a step", "topology", name, "err", err)
	}
}

// logStep records one step as a container of its own that logs one event
// line and exits, kept until the topology goes down.
func (o *Orchestrator) logStep(ctx context.Context, name, msg string, at time.Time) error {
	image, err := o.NodeImage(ctx)
	if err != nil {
		return err
	}
	spec := engine.ContainerSpec{
		Image: image, Cmd: agentArgs(agent.SayCommand("faults", agent.EvFault, msg, at)), ReadOnlyRoot: true,
		CapDrop: []string{"ALL"}, NoNewPrivileges: true, MemoryBytes: helperMemory, PidsLimit: nodePids,
		Labels: map[string]string{engine.LabelHelper: name, engine.LabelEvent: "1", engine.LabelNode: "faults"},
	}
	id, err := o.rt.CreateContainer(ctx, spec)
	if err != nil {
		return err
	}
	return o.rt.StartContainer(ctx, id)
}
