package topotest

import (
	"context"
	"testing"
	"time"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// FaultOption narrows a fault on a link: see From.
type FaultOption func(*faultOptions)

type faultOptions struct{ from string }

// From makes LinkDown, LinkUp or Impair act only on what node (one of the
// link's two ends) sends the other: LinkDown(t, a, b, From(a)) cuts what a
// sends b, while b's packets still reach a.
func From(node string) FaultOption { return func(o *faultOptions) { o.from = node } }

func faultOpts(opts []FaultOption) faultOptions {
	var o faultOptions
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// LinkDown cuts the link between nodes a and b, for every process on them,
// or with From one way of it. What the test leaves in force is lifted when
// it ends.
func (top *Topology) LinkDown(t testing.TB, a, b string, opts ...FaultOption) {
	t.Helper()
	from := faultOpts(opts).from
	top.fault(t, "link down", func(ctx context.Context) error {
		_, err := top.o.Link(ctx, top.Name, orchestrator.LinkOptions{A: a, B: b, Down: true, From: from})
		return err
	})
}

// LinkUp restores the link between nodes a and b, or with From one way of
// it.
func (top *Topology) LinkUp(t testing.TB, a, b string, opts ...FaultOption) {
	t.Helper()
	from := faultOpts(opts).from
	top.fault(t, "link up", func(ctx context.Context) error {
		_, err := top.o.Link(ctx, top.Name, orchestrator.LinkOptions{A: a, B: b, From: from})
		return err
	})
}

// Impairment is what Impair does to a link: LossPercent of what crosses it
// lost, for every process; Delay ± Jitter and Rate (bits per second) for
// the agents' frames, since this engine's kernel cannot delay others.
type Impairment struct {
	Delay, Jitter time.Duration
	LossPercent   int
	Rate          uint64
}

// Impair impairs the link between a and b at runtime, in place of what the
// file declared, or with From only what one end sends the other; the zero
// Impairment lifts it.
func (top *Topology) Impair(t testing.TB, a, b string, imp Impairment, opts ...FaultOption) {
	t.Helper()
	top.impair(t, orchestrator.ImpairOptions{A: a, B: b, From: faultOpts(opts).from}, imp)
}

// ImpairAll is Impair for every link of the topology.
func (top *Topology) ImpairAll(t testing.TB, imp Impairment) {
	t.Helper()
	top.impair(t, orchestrator.ImpairOptions{All: true}, imp)
}

func (top *Topology) impair(t testing.TB, opts orchestrator.ImpairOptions, imp Impairment) {
	t.Helper()
	opts.Delay, opts.Jitter, opts.LossPercent, opts.Rate = imp.Delay, imp.Jitter, float64(imp.LossPercent), imp.Rate
	opts.Clear, opts.Replace = imp == Impairment{}, true // in place of what was, as documented
	top.fault(t, "impair", func(ctx context.Context) error {
		_, err := top.o.Impair(ctx, top.Name, opts)
		return err
	})
}

// Partition splits the nodes into groups that cannot reach each other; the
// nodes no group names form one more group.
func (top *Topology) Partition(t testing.TB, groups ...[]string) {
	t.Helper()
	top.fault(t, "partition", func(ctx context.Context) error {
		_, err := top.o.Partition(ctx, top.Name, groups)
		return err
	})
}

// Heal lifts the partition.
func (top *Topology) Heal(t testing.TB) {
	t.Helper()
	top.fault(t, "heal", func(ctx context.Context) error {
		_, err := top.o.Heal(ctx, top.Name)
		return err
	})
}

// StopNode stops nodes' containers; StartNode starts them again.
func (top *Topology) StopNode(t testing.TB, nodes ...string) {
	t.Helper()
	top.nodeAction(t, engine.ActionStop, nodes)
}

// StartNode starts stopped nodes, with their routes and filters.
func (top *Topology) StartNode(t testing.TB, nodes ...string) {
	t.Helper()
	top.nodeAction(t, engine.ActionStart, nodes)
}

// RestartNode restarts nodes.
func (top *Topology) RestartNode(t testing.TB, nodes ...string) {
	t.Helper()
	top.nodeAction(t, engine.ActionRestart, nodes)
}

func (top *Topology) nodeAction(t testing.TB, act engine.Action, nodes []string) {
	t.Helper()
	top.fault(t, string(act), func(ctx context.Context) error {
		return top.o.NodeAction(ctx, top.Name, orchestrator.NodeActionOptions{Action: act, Nodes: nodes})
	})
}

// fault runs a fault change, failing the test on error, and the first time
// registers the cleanup that lifts every fault the test leaves in force.
func (top *Topology) fault(t testing.TB, what string, do func(ctx context.Context) error) {
	t.Helper()
	if !top.faultsCleanup {
		top.faultsCleanup = true
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			if err := top.o.ClearFaults(ctx, top.Name); err != nil {
				t.Errorf("topotest: clear faults: %v", err)
			}
		})
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	if err := do(ctx); err != nil {
		t.Fatalf("topotest: %s: %v", what, err)
	}
}

// startSchedule runs the file's fault schedule from now on, until it ends
// or the test does.
func (top *Topology) startSchedule(t testing.TB, spec *topology.Topology) {
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	top.stopSchedule = cancel
	top.schedule = make(chan error, 1)
	start := time.Now()
	go func() { top.schedule <- top.o.RunSchedule(ctx, top.Name, spec.Faults, start) }()
}

// WaitSchedule waits until the file's fault schedule has run its last
// step, and fails the test if a step failed. A topology without a
// schedule returns at once.
func (top *Topology) WaitSchedule(t testing.TB) {
	t.Helper()
	if top.schedule == nil {
		return
	}
	if err := <-top.schedule; err != nil {
		t.Fatalf("topotest: %v", err)
	}
	top.schedule = nil
}
