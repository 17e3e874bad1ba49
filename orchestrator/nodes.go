package orchestrator

import (
	"context"
	"fmt"
	"slices"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator/internal/faults"
)

// NodeActionOptions say what NodeAction does to which nodes.
type NodeActionOptions struct {
	Action engine.Action
	Nodes  []string
	By     string // who acts, for the node fault's record; empty: topo
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
	renew := map[string]bool{} // by container ID
	for _, n := range opts.Nodes {
		c, err := findNode(cs, name, n)
		if err != nil {
			return fmt.Errorf("node %s: %w", opts.Action, o.ifMissing(ctx, cs, n, err))
		}
		if err := faults.CheckNodeState(c, opts.Action); err != nil {
			return fmt.Errorf("node %s: %w", opts.Action, err)
		}
		again, err := o.checkWired(ctx, c, opts.Action)
		if err != nil {
			return fmt.Errorf("node %s: %w", opts.Action, err)
		}
		renew[c.ID] = again
		picked = append(picked, c)
	}
	if err := o.tellGoing(ctx, name, opts); err != nil {
		return fmt.Errorf("node %s: %w", opts.Action, err)
	}
	err = boundedEach(ctx, DefaultMaxWorkers, picked, func(ctx context.Context, c engine.ContainerInfo) error {
		if renew[c.ID] { // see change_renew.go
			if c.State == "running" { // its agent says goodbye to its neighbours
				if err := o.rt.ControlContainer(ctx, c.ID, engine.ActionStop); err != nil {
					return err
				}
			}
			if _, err := o.renew(ctx, name, c.Labels[engine.LabelNode]); err != nil {
				return err
			}
		} else if err := o.rt.ControlContainer(ctx, c.ID, opts.Action); err != nil {
			return err
		}
		if opts.Action == engine.ActionStart || opts.Action == engine.ActionRestart {
			return o.rewire(ctx, name, c.Labels[engine.LabelNode])
		}
		return nil
	})
	if err == nil {
		err = o.noteNodeFaults(ctx, name, opts)
	}
	if err == nil {
		err = o.tellBack(ctx, name, opts)
	}
	if err != nil {
		return fmt.Errorf("node %s: %w", opts.Action, err)
	}
	return nil
}

// tellGoing tells the neighbours of nodes about to stop, be killed, be
// paused or restart that they are down, so that what they send them is
// dropped as node_down at once rather than lost.
func (o *Orchestrator) tellGoing(ctx context.Context, name string, opts NodeActionOptions) error {
	switch opts.Action {
	case engine.ActionStop, engine.ActionKill, engine.ActionPause, engine.ActionRestart:
	default:
		return nil
	}
	l, fs, err := o.liveFaults(ctx, name)
	if err != nil {
		return err
	}
	down := faults.Down(l.containers)
	had := faults.ForAgents(l.plan, fs, down, l.fileImp)
	for _, n := range opts.Nodes {
		down[n] = true
	}
	return o.tellAgents(ctx, l, had, faults.ForAgents(l.plan, fs, down, l.fileImp))
}

// tellBack tells the neighbours of nodes that started, restarted or were
// unpaused that they are back, and a node that started afresh the faults
// on its own links.
func (o *Orchestrator) tellBack(ctx context.Context, name string, opts NodeActionOptions) error {
	fresh := opts.Action == engine.ActionStart || opts.Action == engine.ActionRestart
	if !fresh && opts.Action != engine.ActionUnpause {
		return nil
	}
	l, fs, err := o.liveFaults(ctx, name)
	if err != nil {
		return err
	}
	down := faults.Down(l.containers)
	want := faults.ForAgents(l.plan, fs, down, l.fileImp)
	for _, n := range opts.Nodes {
		down[n] = true
	}
	had := faults.ForAgents(l.plan, fs, down, l.fileImp)
	if fresh {
		for _, n := range opts.Nodes {
			had[n] = nil // a new agent knows of no fault
		}
		if err := o.keepTrafficOff(ctx, l, opts.Nodes); err != nil {
			return err
		}
		if err := o.giveBackConfigs(ctx, l, opts.Nodes); err != nil {
			return err
		}
		if err := o.rewriteHostsAtStart(ctx, l, opts.Nodes); err != nil {
			return err
		}
	}
	return o.tellAgents(ctx, l, had, want)
}

// liveFaults reads a running topology and the faults in force on it.
func (o *Orchestrator) liveFaults(ctx context.Context, name string) (*live, []Fault, error) {
	l, err := o.readLive(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	fs, err := o.Faults(ctx, name)
	return l, fs, err
}

// rewire installs a restarted node's IP routes and packet filters again.
// On an engine that picks addresses (a swarm), the node came back at a new
// address, which its neighbours' routes, filters and hosts files name:
// every node that runs gets them again.
func (o *Orchestrator) rewire(ctx context.Context, name, node string) error {
	l, err := o.readLive(ctx, name)
	if err != nil {
		return err
	}
	image, err := o.NodeImage(ctx)
	if err != nil {
		return err
	}
	nodes := []string{node}
	if !o.Capabilities().FixedAddresses {
		nodes = runningNodes(l)
	}
	if err := o.installRoutesOf(ctx, l, image, nodes, ""); err != nil {
		return err
	}
	if err := o.nameAll(ctx, l, nodes, image, ""); err != nil {
		return err
	}
	fs, err := o.Faults(ctx, name)
	if err != nil || len(fs) == 0 {
		return err
	}
	return o.applyFilters(ctx, l, image, nodes, faults.FilterRules(l.plan, fs, faults.MACs(l.plan, l.containers)))
}
