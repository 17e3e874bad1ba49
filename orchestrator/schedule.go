package orchestrator

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/topology"
)

// step is one moment of a fault schedule: a fault applied or lifted.
type step struct {
	at   time.Duration
	what string
	do   func(ctx context.Context) error
}

// RunSchedule applies a topology's fault schedule: each fault at start
// plus its At, lifted For later when For is set. It returns when the last
// step is done, when one fails, or when ctx ends. Each step is logged as a
// "fault" event under the node "faults", which `topo logs` shows among the
// nodes' own events.
func (o *Orchestrator) RunSchedule(ctx context.Context, name string, faults []topology.ScheduledFault, start time.Time) error {
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
	for _, s := range o.steps(name, faults) {
		t := time.NewTimer(time.Until(start.Add(s.at)))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		note(s.what, time.Now())
		if err := s.do(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err() // stopped mid-step, by a down: its topology goes, with any record of the step
			}
			note(s.what+": failed: "+err.Error(), time.Now())
			return fmt.Errorf("fault schedule of %s: %s: %w", name, s.what, err)
		}
	}
	return nil
}

// steps turns a schedule into its steps, in time order.
func (o *Orchestrator) steps(name string, faults []topology.ScheduledFault) []step {
	var out []step
	add := func(at time.Duration, what string, do func(ctx context.Context) error) {
		out = append(out, step{at, what, do})
	}
	for _, f := range faults {
		apply, lift := o.faultFuncs(name, f)
		add(f.At, f.String(), apply)
		if f.For > 0 && lift != nil {
			add(f.At+f.For, "lifted: "+f.String(), lift)
		}
	}
	slices.SortStableFunc(out, func(a, b step) int { return cmp.Compare(a.at, b.at) })
	return out
}

// faultFuncs are what applies a scheduled fault and what lifts it (nil for
// a node action, which nothing lifts).
func (o *Orchestrator) faultFuncs(name string, f topology.ScheduledFault) (apply, lift func(context.Context) error) {
	ignore := func(_ []Fault, err error) error { return err }
	switch {
	case len(f.Link) == 2 && f.Down:
		link := func(down bool) func(context.Context) error {
			return func(ctx context.Context) error {
				return ignore(o.Link(ctx, name, LinkOptions{A: f.Link[0], B: f.Link[1], Down: down}))
			}
		}
		return link(true), link(false)
	case len(f.Link) == 2:
		impair := func(clear bool) func(context.Context) error {
			return func(ctx context.Context) error {
				return ignore(o.Impair(ctx, name, ImpairOptions{A: f.Link[0], B: f.Link[1], LossPercent: float64(f.LossPercent),
					Delay: f.Delay, Jitter: f.Jitter, Rate: f.Rate, Clear: clear, Replace: true}))
			}
		}
		return impair(false), impair(true)
	case len(f.Partition) > 0:
		return func(ctx context.Context) error { return ignore(o.Partition(ctx, name, f.Partition)) },
			func(ctx context.Context) error { return ignore(o.Heal(ctx, name)) }
	default:
		return func(ctx context.Context) error {
			return o.NodeAction(ctx, name, NodeActionOptions{Action: engine.Action(f.Action), Nodes: []string{f.Node}, By: "schedule"})
		}, nil
	}
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
