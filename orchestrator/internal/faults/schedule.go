package faults

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/topology"
)

// Step is one moment of a fault schedule: a fault applied or lifted.
type Step struct {
	At    time.Duration // after the schedule's start
	What  string
	Fault int  // its index in the schedule
	Lift  bool // the fault is lifted, not applied
	Do    func(ctx context.Context) error
}

// Verbs are what the steps of one topology's schedule do: the
// orchestrator's fault verbs, on that topology. A schedule's node action
// is by "schedule".
type Verbs interface {
	Link(ctx context.Context, a, b, from string, down bool) error
	Impair(ctx context.Context, opts ImpairOptions) error
	Partition(ctx context.Context, groups [][]string) error
	Heal(ctx context.Context) error
	NodeAction(ctx context.Context, node string, act engine.Action) error
}

// Steps turns a schedule into its steps, in time order.
func Steps(v Verbs, schedule []topology.ScheduledFault) []Step {
	var out []Step
	for i, f := range schedule {
		apply, lift := stepFuncs(v, f)
		out = append(out, Step{At: f.At, What: f.String(), Fault: i, Do: apply})
		if f.For > 0 && lift != nil {
			out = append(out, Step{At: f.At + f.For, What: "lifted: " + f.String(), Fault: i, Lift: true, Do: lift})
		}
	}
	slices.SortStableFunc(out, func(a, b Step) int { return cmp.Compare(a.At, b.At) })
	return out
}

// stepFuncs are what applies a scheduled fault and what lifts it (nil for
// a node action, which nothing lifts).
func stepFuncs(v Verbs, f topology.ScheduledFault) (apply, lift func(context.Context) error) {
	switch {
	case len(f.Link) == 2 && f.Down:
		link := func(down bool) func(context.Context) error {
			return func(ctx context.Context) error { return v.Link(ctx, f.Link[0], f.Link[1], f.From, down) }
		}
		return link(true), link(false)
	case len(f.Link) == 2:
		apply := func(ctx context.Context) error {
			return v.Impair(ctx, ImpairOptions{A: f.Link[0], B: f.Link[1], From: f.From, LossPercent: float64(f.LossPercent),
				Delay: f.Delay, Jitter: f.Jitter, Rate: f.Rate, Replace: true})
		}
		// A lift names the link and its end alone: Check refuses a clear
		// that carries settings.
		lift := func(ctx context.Context) error {
			return v.Impair(ctx, ImpairOptions{A: f.Link[0], B: f.Link[1], From: f.From, Clear: true})
		}
		return apply, lift
	case len(f.Partition) > 0:
		return func(ctx context.Context) error { return v.Partition(ctx, f.Partition) },
			func(ctx context.Context) error { return v.Heal(ctx) }
	default:
		return func(ctx context.Context) error { return v.NodeAction(ctx, f.Node, engine.Action(f.Action)) }, nil
	}
}
