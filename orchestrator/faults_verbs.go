package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"math"
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
	// LossPercent of the frames that cross the link are lost, 0 to below
	// 100 (0.5 is half a percent): the kernel drops them for every
	// process, and the agents lose their own frames themselves, counted
	// as loss.
	LossPercent float64
	// Delay ± Jitter apply to the agents' frames: this engine's kernel
	// has no netem. Rate (bits per second; 0: unlimited, else
	// topology.MinRate at least) applies to the agents' frames, and to
	// every process's by a tbf where one can hold it (see shapeRules).
	Delay, Jitter time.Duration
	Rate          uint64
	// Lift names settings ("loss", "delay", "jitter", "rate") to take
	// away from the impairment in force; the settings above that are zero
	// and not named here stay as they are.
	Lift []string
	// Replace makes the settings above the whole runtime impairment of the
	// link, instead of merging them into the one in force.
	Replace bool
	Clear   bool // lift the runtime impairment instead
}

// ImpairSettings are the settings an impairment has, as Lift names them.
var ImpairSettings = []string{"loss", "delay", "jitter", "rate"}

// Check says what is wrong with opts, if anything, in the words of the
// topology file's checks.
func (opts ImpairOptions) Check() error {
	for _, l := range opts.Lift {
		if !slices.Contains(ImpairSettings, l) {
			return fmt.Errorf("impair: cannot lift %q, want one of %v", l, ImpairSettings)
		}
	}
	switch {
	case opts.Clear:
		if opts.LossPercent != 0 || opts.Delay != 0 || opts.Jitter != 0 || opts.Rate != 0 || len(opts.Lift) > 0 {
			return errors.New("impair: --clear takes no other setting")
		}
		return nil
	case math.IsNaN(opts.LossPercent) || opts.LossPercent < 0:
		return fmt.Errorf("impair: loss %v%% is negative", opts.LossPercent)
	case opts.LossPercent >= 100:
		return fmt.Errorf("impair: loss %v%% loses everything: use topo link down", opts.LossPercent)
	case opts.Delay < 0 || opts.Jitter < 0:
		return errors.New("impair: delay and jitter cannot be negative")
	case opts.Delay > topology.MaxDelay || opts.Jitter > topology.MaxDelay:
		return fmt.Errorf("impair: delay and jitter are at most %s", topology.FormatDuration(topology.MaxDelay))
	case opts.Jitter > opts.Delay && (opts.Delay != 0 || opts.Replace):
		return fmt.Errorf("impair: jitter %v is more than the delay %v", opts.Jitter, opts.Delay)
	case opts.Rate != 0 && (opts.Rate < topology.MinRate || opts.Rate > topology.MaxRate):
		return fmt.Errorf("impair: rate %s, want %s to %s", topology.FormatRate(opts.Rate), topology.FormatRate(topology.MinRate), topology.FormatRate(topology.MaxRate))
	case opts.LossPercent == 0 && opts.Delay == 0 && opts.Jitter == 0 && opts.Rate == 0 && len(opts.Lift) == 0:
		return errors.New("impair: give --delay, --jitter, --loss or --rate, or --clear")
	}
	return nil
}

// merge is the impairment of ends (none: every link) that opts makes of
// the faults in force: opts' settings over the runtime impairment in
// force on the link (its own, else that of every link), or alone with
// Replace. ok is false when nothing is left: the link is not impaired.
func (opts ImpairOptions) merge(in []Fault, ends []string) (f Fault, ok bool, err error) {
	f = Fault{Kind: FaultImpair, Nodes: ends}
	if !opts.Replace {
		for _, key := range []string{f.key(), Fault{Kind: FaultImpair}.key()} {
			if i := slices.IndexFunc(in, func(g Fault) bool { return g.key() == key }); i >= 0 {
				f.Percent, f.Delay, f.Jitter, f.Rate = in[i].Percent, in[i].Delay, in[i].Jitter, in[i].Rate
				break
			}
		}
	}
	set := func(lift string, zero bool, apply func()) {
		if !zero || slices.Contains(opts.Lift, lift) {
			apply()
		}
	}
	set("loss", opts.LossPercent == 0, func() { f.Percent = opts.LossPercent })
	set("delay", opts.Delay == 0, func() { f.Delay = agent.Duration(opts.Delay) })
	set("jitter", opts.Jitter == 0, func() { f.Jitter = agent.Duration(opts.Jitter) })
	set("rate", opts.Rate == 0, func() { f.Rate = opts.Rate })
	if f.Jitter > f.Delay {
		return f, false, badFault{fmt.Sprintf("jitter %v would be more than the delay %v (give both, or --replace)", f.Jitter.D(), f.Delay.D())}
	}
	return f, f.Percent != 0 || f.Delay != 0 || f.Rate != 0, nil
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
		var ends []string // none: every link
		if !opts.All {
			var err error
			if ends, err = checkLink(plan, opts.A, opts.B); err != nil {
				return nil, err
			}
		}
		f, ok := Fault{Kind: FaultImpair, Nodes: ends}, false
		if !opts.Clear {
			var err error
			if f, ok, err = opts.merge(in, ends); err != nil {
				return nil, err
			}
		}
		out := without(in, f.key())
		if ok {
			out = append(out, f)
		}
		return out, nil
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
		gs, err := partitionGroups(plan, groups)
		if err != nil {
			return nil, err
		}
		f := Fault{Kind: FaultPartition, Groups: gs, Split: partitionSplits(plan, gs)}
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

// badFault is a fault that cannot be, in topo's words; errors.Is matches
// it to ErrBadFault.
type badFault struct{ msg string }

func (e badFault) Error() string        { return e.msg }
func (e badFault) Is(target error) bool { return target == ErrBadFault }

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
