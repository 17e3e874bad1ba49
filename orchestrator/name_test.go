package orchestrator_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// TestEmptyNameIsRefusedEverywhere: an empty topology name would become a
// label filter that matches every topology on the engine. Every entry
// point that takes a name refuses it, and nothing of the running
// topologies is touched.
func TestEmptyNameIsRefusedEverywhere(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	for _, file := range []string{"../topologies/star.yaml", "../topologies/ring.yaml"} {
		if _, err := o.Up(ctx, load(t, file), orchestrator.UpOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	before, _ := f.counts()
	noLog := func(orchestrator.LogLine) error { return nil }
	for name, call := range map[string]func() error{
		"Down":        func() error { _, err := o.Down(ctx, "", orchestrator.DownOptions{}); return err },
		"Status":      func() error { _, err := o.Status(ctx, "", orchestrator.StatusOptions{}); return err },
		"AppliedPlan": func() error { _, err := o.AppliedPlan(ctx, ""); return err },
		"Faults":      func() error { _, err := o.Faults(ctx, ""); return err },
		"Logs":        func() error { return o.Logs(ctx, "", orchestrator.LogsOptions{}, noLog) },
		"Nodes":       func() error { _, err := o.Nodes(ctx, ""); return err },
		"Send": func() error {
			_, err := o.Send(ctx, "", orchestrator.SendOptions{From: "hub", To: "spoke1", Text: "x"})
			return err
		},
		"Link": func() error {
			_, err := o.Link(ctx, "", orchestrator.LinkOptions{A: "hub", B: "spoke1", Down: true})
			return err
		},
		"Partition":   func() error { _, err := o.Partition(ctx, "", [][]string{{"hub"}}); return err },
		"Heal":        func() error { _, err := o.Heal(ctx, ""); return err },
		"ClearFaults": func() error { return o.ClearFaults(ctx, "") },
		"NodeAction": func() error {
			return o.NodeAction(ctx, "", orchestrator.NodeActionOptions{Action: engine.ActionStop, Nodes: []string{"hub"}})
		},
		"Trace": func() error {
			_, err := o.Trace(ctx, "", orchestrator.TraceOptions{From: "hub", To: "spoke1"})
			return err
		},
		"Traffic": func() error { _, err := o.Traffic(ctx, "", false); return err },
		"RunSchedule": func() error {
			return o.RunSchedule(ctx, "", []topology.ScheduledFault{}, time.Now())
		},
	} {
		if err := call(); !errors.Is(err, orchestrator.ErrNoName) {
			t.Errorf("%s with an empty name: %v, want ErrNoName", name, err)
		}
	}
	if after, _ := f.counts(); after != before || len(f.actions) != 0 {
		t.Errorf("an empty name touched the engine: %d containers before, %d after; actions %v", before, after, f.actions)
	}
}
