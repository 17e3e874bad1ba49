package orchestrator

import (
	"context"
	"fmt"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator/internal/faults"
	"github.com/topo-dev/topo/topology"
)

// LinkOptions say which link Link acts on, and how.
type LinkOptions struct {
	A, B string
	Down bool // true cuts the link; false restores it
	// From, when set (A or B), cuts or restores only what From sends the
	// other end; what the other end sends From carries on.
	From string
}

// Link cuts the link between two nodes that share a segment, or restores
// it: nothing crosses between them, whatever sends it, on any segment
// they share; the other members of a shared segment are unaffected. With
// From, only what From sends is cut or restored; both ways cut so are the
// link cut, and restoring one way of a cut link leaves the other cut. It
// returns the faults in force after.
func (o *Orchestrator) Link(ctx context.Context, name string, opts LinkOptions) ([]Fault, error) {
	fs, err := o.changeFaults(ctx, name, func(plan *topology.Plan, in []Fault) ([]Fault, error) {
		return faults.Link(plan, in, opts.A, opts.B, opts.From, opts.Down)
	})
	return fs, wrapFault("link", name, err)
}

// Impair impairs a link at runtime, or every link with All, in place of
// what the file declared for it: loss and rate for every process on its
// two ends, delay and jitter for the agents' frames. The settings given are
// merged into the runtime impairment in force on the link, unless Replace;
// Clear lifts it, and the file's impairment applies again.
func (o *Orchestrator) Impair(ctx context.Context, name string, opts ImpairOptions) ([]Fault, error) {
	if err := opts.Check(); err != nil {
		return nil, err
	}
	fs, err := o.changeFaults(ctx, name, func(plan *topology.Plan, in []Fault) ([]Fault, error) {
		return faults.Impair(plan, in, opts)
	})
	return fs, wrapFault("impair", name, err)
}

// Partition splits a topology into groups between which no traffic
// crosses; inside each group everything works. Nodes no group names form
// one more group. It replaces a partition already in force. A group whose
// members cannot reach each other by their own links is no error (it may
// be the point), but the partition's Split says so.
func (o *Orchestrator) Partition(ctx context.Context, name string, groups [][]string) ([]Fault, error) {
	fs, err := o.changeFaults(ctx, name, func(plan *topology.Plan, in []Fault) ([]Fault, error) {
		return faults.Partition(plan, in, groups)
	})
	return fs, wrapFault("partition", name, err)
}

// Heal lifts the partition: it restores every link the partition cut, and
// nothing else.
func (o *Orchestrator) Heal(ctx context.Context, name string) ([]Fault, error) {
	fs, err := o.changeFaults(ctx, name, func(_ *topology.Plan, in []Fault) ([]Fault, error) {
		return faults.Heal(in), nil
	})
	return fs, wrapFault("heal", name, err)
}

// ClearFaults lifts every fault: links, losses, the partition, and starts
// or unpauses every node that is stopped or paused.
func (o *Orchestrator) ClearFaults(ctx context.Context, name string) error {
	cs, err := o.containers(ctx, name)
	if err != nil {
		return fmt.Errorf("faults clear: %w", err)
	}
	var stopped, paused []string
	for _, c := range cs {
		switch c.State {
		case "running":
		case "paused":
			paused = append(paused, c.Labels[engine.LabelNode])
		default:
			stopped = append(stopped, c.Labels[engine.LabelNode])
		}
	}
	// An engine without helpers (a swarm) can have no link faults to lift.
	if o.Capabilities().NetnsHelpers {
		if _, err := o.changeFaults(ctx, name, func(*topology.Plan, []Fault) ([]Fault, error) { return nil, nil }); err != nil {
			return fmt.Errorf("faults clear: %w", err)
		}
	}
	for _, act := range []struct {
		a     engine.Action
		nodes []string
	}{{engine.ActionUnpause, paused}, {engine.ActionStart, stopped}} {
		if len(act.nodes) > 0 {
			if err := o.NodeAction(ctx, name, NodeActionOptions{Action: act.a, Nodes: act.nodes}); err != nil {
				return fmt.Errorf("faults clear: %w", err)
			}
		}
	}
	return nil
}

func wrapFault(verb, name string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s %s: %w", verb, name, err)
}
