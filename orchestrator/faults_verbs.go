package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/topology"
)

// LinkOptions say which link Link acts on, and how.
type LinkOptions struct {
	A, B string
	Down bool // true cuts the link; false restores it
}

// Link cuts the link between two nodes that share a segment, or restores
// it: nothing crosses between them, whatever sends it, on any segment
// they share; the other members of a shared segment are unaffected. It
// returns the faults in force after.
func (o *Orchestrator) Link(ctx context.Context, name string, opts LinkOptions) ([]Fault, error) {
	fs, err := o.changeFaults(ctx, name, func(plan *topology.Plan, in []Fault) ([]Fault, error) {
		ends, err := checkLink(plan, opts.A, opts.B)
		if err != nil {
			return nil, err
		}
		f := Fault{Kind: FaultLinkDown, Nodes: ends}
		out := without(in, f.key())
		if opts.Down {
			out = append(out, f)
		}
		return out, nil
	})
	return fs, wrapFault("link", name, err)
}

// ImpairOptions say which link Impair acts on, and how.
type ImpairOptions struct {
	A, B string
	All  bool // every link of the topology, instead of A–B
	// LossPercent of the frames that cross the link are lost, 0 to 99: the
	// kernel drops them for every process, and the agents lose their own
	// frames themselves, counted as loss.
	LossPercent int
	// Delay ± Jitter and Rate (bits per second; 0: unlimited) apply to the
	// agents' frames: this engine's kernel has no netem.
	Delay, Jitter time.Duration
	Rate          uint64
	Clear         bool // lift the runtime impairment instead
}

// Check says what is wrong with opts, if anything.
func (opts ImpairOptions) Check() error {
	switch {
	case opts.Clear:
		return nil
	case opts.LossPercent < 0 || opts.LossPercent > 99:
		return fmt.Errorf("impair: loss %d%%, want 0 to 99 (a link that loses everything is down: use link down)", opts.LossPercent)
	case opts.Delay < 0 || opts.Jitter < 0:
		return errors.New("impair: delay and jitter cannot be negative")
	case opts.Jitter > opts.Delay:
		return fmt.Errorf("impair: jitter %v is more than the delay %v", opts.Jitter, opts.Delay)
	case opts.LossPercent == 0 && opts.Delay == 0 && opts.Rate == 0:
		return errors.New("impair: give --delay, --loss or --rate, or --clear")
	}
	return nil
}

// Impair impairs a link at runtime, or every link with All, in place of
// what the file declared for it: loss for every process on its two ends,
// delay, jitter and rate for the agents' frames. Clear lifts it, and the
// file's impairment applies again.
func (o *Orchestrator) Impair(ctx context.Context, name string, opts ImpairOptions) ([]Fault, error) {
	if err := opts.Check(); err != nil {
		return nil, err
	}
	fs, err := o.changeFaults(ctx, name, func(plan *topology.Plan, in []Fault) ([]Fault, error) {
		var ends []string // none: every link
		if !opts.All {
			var err error
			if ends, err = checkLink(plan, opts.A, opts.B); err != nil {
				return nil, err
			}
		}
		f := Fault{Kind: FaultImpair, Nodes: ends, Percent: opts.LossPercent, Delay: agent.Duration(opts.Delay),
			Jitter: agent.Duration(opts.Jitter), Rate: opts.Rate}
		out := without(in, f.key())
		if !opts.Clear {
			out = append(out, f)
		}
		return out, nil
	})
	return fs, wrapFault("impair", name, err)
}

// Partition splits a topology into groups between which no traffic
// crosses; inside each group everything works. Nodes no group names form
// one more group. It replaces a partition already in force.
func (o *Orchestrator) Partition(ctx context.Context, name string, groups [][]string) ([]Fault, error) {
	fs, err := o.changeFaults(ctx, name, func(plan *topology.Plan, in []Fault) ([]Fault, error) {
		gs, err := partitionGroups(plan, groups)
		if err != nil {
			return nil, err
		}
		f := Fault{Kind: FaultPartition, Groups: gs}
		return append(without(in, f.key()), f), nil
	})
	return fs, wrapFault("partition", name, err)
}

// Heal lifts the partition: it restores every link the partition cut, and
// nothing else.
func (o *Orchestrator) Heal(ctx context.Context, name string) ([]Fault, error) {
	fs, err := o.changeFaults(ctx, name, func(_ *topology.Plan, in []Fault) ([]Fault, error) {
		return without(in, Fault{Kind: FaultPartition}.key()), nil
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

// without is fs but the fault with that key.
func without(fs []Fault, key string) []Fault {
	return slices.DeleteFunc(fs, func(f Fault) bool { return f.key() == key })
}

func wrapFault(verb, name string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s %s: %w", verb, name, err)
}
