package orchestrator

import (
	"context"
	"fmt"
	"slices"

	"github.com/topo-dev/topo/engine"
)

// NodeActionOptions say what NodeAction does to which nodes.
type NodeActionOptions struct {
	Action engine.Action
	Nodes  []string
}

// NodeAction stops, starts, restarts, kills, pauses or unpauses nodes'
// containers. A node that starts again gets a new network namespace: its
// IP routes and the packet filters of the faults in force are installed
// in it again before NodeAction returns. Its neighbours notice it going
// and reconnect when it is back.
func (o *Orchestrator) NodeAction(ctx context.Context, name string, opts NodeActionOptions) error {
	if !slices.Contains(engine.Actions, opts.Action) {
		return fmt.Errorf("node %s: unknown action %q; want one of %v: %w", opts.Action, opts.Action, engine.Actions, ErrBadFault)
	}
	cs, err := o.containers(ctx, name)
	if err != nil {
		return fmt.Errorf("node %s: %w", opts.Action, err)
	}
	var picked []engine.ContainerInfo
	for _, n := range opts.Nodes {
		c, err := findNode(cs, name, n)
		if err != nil {
			return fmt.Errorf("node %s: %w", opts.Action, err)
		}
		picked = append(picked, c)
	}
	err = boundedEach(ctx, DefaultMaxWorkers, picked, func(ctx context.Context, c engine.ContainerInfo) error {
		if err := o.rt.ControlContainer(ctx, c.ID, opts.Action); err != nil {
			return err
		}
		if opts.Action == engine.ActionStart || opts.Action == engine.ActionRestart {
			return o.rewire(ctx, name, c.Labels[engine.LabelNode])
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("node %s: %w", opts.Action, err)
	}
	return nil
}

// rewire installs a restarted node's IP routes and packet filters again.
func (o *Orchestrator) rewire(ctx context.Context, name, node string) error {
	l, err := o.readLive(ctx, name)
	if err != nil {
		return err
	}
	image, err := o.NodeImage(ctx)
	if err != nil {
		return err
	}
	if spec, ok := RouteHelper(l.plan, node, image); ok {
		if err := o.runHelper(ctx, spec, "routes of "+node); err != nil {
			return err
		}
	}
	faults, err := o.Faults(ctx, name)
	if err != nil || len(faults) == 0 {
		return err
	}
	return o.applyFilters(ctx, l, image, []string{node}, filterRules(l.plan, faults, macs(l)))
}
