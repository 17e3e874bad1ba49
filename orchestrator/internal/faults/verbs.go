package faults

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/topology"
)

// linkWays is the faults in force after a link's ends are cut (down) or
// restored, from one end (from) or both ways.
func linkWays(in []Fault, ends []string, from string, down bool) []Fault {
	both := Fault{Kind: KindLinkDown, Nodes: ends}
	ways := [2]Fault{{Kind: KindLinkDown, Nodes: ends, From: ends[0]}, {Kind: KindLinkDown, Nodes: ends, From: ends[1]}}
	has := func(f Fault) bool { return slices.ContainsFunc(in, func(g Fault) bool { return g.Key() == f.Key() }) }
	cut := [2]bool{has(both) || has(ways[0]), has(both) || has(ways[1])}
	for i, e := range ends {
		if from == "" || from == e {
			cut[i] = down
		}
	}
	out := Without(Without(Without(in, both.Key()), ways[0].Key()), ways[1].Key())
	switch {
	case cut[0] && cut[1]:
		out = append(out, both)
	case cut[0]:
		out = append(out, ways[0])
	case cut[1]:
		out = append(out, ways[1])
	}
	return out
}

// checkFrom checks that from, when set, is one of a link's ends.
func checkFrom(ends []string, from string) error {
	if from != "" && !slices.Contains(ends, from) {
		return badFault{fmt.Sprintf("from %s: not an end of the link %s–%s", from, ends[0], ends[1])}
	}
	return nil
}

// ImpairOptions say which link Impair acts on, and how.
type ImpairOptions struct {
	A, B string
	All  bool // every link of the topology, instead of A–B
	// From, when set (A or B), impairs only what From sends the other
	// end, over an impairment of the link both ways. Clear without From
	// lifts the link's impairments both ways and each way.
	From string
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
	if opts.All && opts.From != "" {
		return errors.New("impair: --from names an end of one link, not --all")
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
	f = Fault{Kind: KindImpair, Nodes: ends, From: opts.From}
	if !opts.Replace {
		for _, key := range []string{f.Key(), Fault{Kind: KindImpair, Nodes: ends}.Key(), Fault{Kind: KindImpair}.Key()} {
			if i := slices.IndexFunc(in, func(g Fault) bool { return g.Key() == key }); i >= 0 {
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

// badFault is a fault that cannot be, in topo's words; errors.Is matches
// it to ErrBad.
type badFault struct{ msg string }

func (e badFault) Error() string { return e.msg }

func (e badFault) Is(target error) bool { return target == ErrBad }

// without is fs but the fault with that key.
func Without(fs []Fault, key string) []Fault {
	return slices.DeleteFunc(fs, func(f Fault) bool { return f.Key() == key })
}

// Link is the faults in force after the link between a and b is cut
// (down) or restored, both ways or only what from sends the other end.
func Link(plan *topology.Plan, in []Fault, a, b, from string, down bool) ([]Fault, error) {
	ends, err := checkLink(plan, a, b)
	if err != nil {
		return nil, err
	}
	if err := checkFrom(ends, from); err != nil {
		return nil, err
	}
	return linkWays(in, ends, from, down), nil
}

// Impair is the faults in force after opts impairs a link, or every link,
// or lifts its impairment (Clear).
func Impair(plan *topology.Plan, in []Fault, opts ImpairOptions) ([]Fault, error) {
	var ends []string // none: every link
	if !opts.All {
		var err error
		if ends, err = checkLink(plan, opts.A, opts.B); err != nil {
			return nil, err
		}
		if err := checkFrom(ends, opts.From); err != nil {
			return nil, err
		}
	}
	f, ok := Fault{Kind: KindImpair, Nodes: ends, From: opts.From}, false
	if !opts.Clear {
		var err error
		if f, ok, err = opts.merge(in, ends); err != nil {
			return nil, err
		}
	}
	out := Without(in, f.Key())
	if opts.Clear && opts.From == "" && len(ends) == 2 {
		for _, e := range ends {
			out = Without(out, Fault{Kind: KindImpair, Nodes: ends, From: e}.Key())
		}
	}
	if ok {
		out = append(out, f)
	}
	return out, nil
}

// Partition is the faults in force after a partition into groups (and one
// more of the nodes none names) replaces the one in force.
func Partition(plan *topology.Plan, in []Fault, groups [][]string) ([]Fault, error) {
	gs, err := partitionGroups(plan, groups)
	if err != nil {
		return nil, err
	}
	f := Fault{Kind: KindPartition, Groups: gs, Split: partitionSplits(plan, gs)}
	return append(Without(in, f.Key()), f), nil
}

// Heal is the faults in force after the partition is lifted.
func Heal(in []Fault) []Fault {
	return Without(in, Fault{Kind: KindPartition}.Key())
}
