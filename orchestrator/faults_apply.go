package orchestrator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator/internal/faults"
	"github.com/topo-dev/topo/topology"
)

// changeFaults brings a topology from the faults on links in force to
// those change makes of them (faults.Change), and returns every fault in
// force after.
func (o *Orchestrator) changeFaults(ctx context.Context, name string, change func(plan *topology.Plan, in []Fault) ([]Fault, error)) ([]Fault, error) {
	if err := o.unsupported("a fault", needsHelpers); err != nil {
		return nil, err
	}
	l, err := o.readLive(ctx, name)
	if err != nil {
		return nil, err
	}
	return faults.Change(ctx, &faultsLive{o: o, l: l, name: name}, change)
}

// faultsLive is a running topology as the faults act on it: markers are
// containers never started, agents hear from a command in their node, and
// filters go in from a helper in the node's network namespace.
type faultsLive struct {
	o     *Orchestrator
	l     *live
	name  string
	image string // the node image, of markers and helpers, once read
}

func (f *faultsLive) Plan() *topology.Plan               { return f.l.plan }
func (f *faultsLive) Containers() []engine.ContainerInfo { return f.l.containers }
func (f *faultsLive) FileImpairments() map[string]map[string]agent.Impairment {
	return f.l.fileImp
}

func (f *faultsLive) Markers(ctx context.Context) ([]Fault, map[string]Fault, error) {
	return f.o.faultMarkers(ctx, f.name)
}

func (f *faultsLive) Keep(ctx context.Context, lifted, added []Fault) error {
	image, err := f.nodeImage(ctx)
	if err != nil {
		return err
	}
	return f.o.keepFaults(ctx, f.name, image, lifted, added)
}

func (f *faultsLive) TellAgents(ctx context.Context, had, want map[string]map[string]agent.LinkFault) error {
	return f.o.tellAgents(ctx, f.l, had, want)
}

func (f *faultsLive) Filter(ctx context.Context, nodes []string, rules map[string]faults.Rules) error {
	image, err := f.nodeImage(ctx)
	if err != nil {
		return err
	}
	return f.o.applyFilters(ctx, f.l, image, nodes, rules)
}

// nodeImage is the node image, read once: Keep reads it before anything
// is kept, as a change did before it was told apart.
func (f *faultsLive) nodeImage(ctx context.Context) (string, error) {
	if f.image == "" {
		image, err := f.o.NodeImage(ctx)
		if err != nil {
			return "", err
		}
		f.image = image
	}
	return f.image, nil
}

// keepFaults makes the markers say what changed: it removes those of
// faults lifted, then creates those of faults added.
func (o *Orchestrator) keepFaults(ctx context.Context, name, image string, lifted, added []Fault) error {
	for _, f := range lifted {
		err := o.rt.RemoveContainer(ctx, faults.MarkerName(name, f.Key()))
		if err != nil && !errors.Is(err, engine.ErrNotFound) {
			return fmt.Errorf("lift %s: %w", f, err)
		}
	}
	for _, f := range added {
		js, err := json.Marshal(f)
		if err != nil {
			return err
		}
		spec := engine.ContainerSpec{Name: faults.MarkerName(name, f.Key()), Hostname: "fault", Image: image,
			Labels: map[string]string{engine.LabelHelper: name, engine.LabelFault: string(js)}}
		if _, err := o.rt.CreateContainer(ctx, spec); err != nil {
			return fmt.Errorf("keep %s: %w", f, err)
		}
	}
	return nil
}

// applyFilters makes rules the packet filter and shaping of each of nodes
// that runs, from a helper in its network namespace.
func (o *Orchestrator) applyFilters(ctx context.Context, l *live, image string, nodes []string, rules map[string]faults.Rules) error {
	return boundedEach(ctx, DefaultMaxWorkers, nodes, func(ctx context.Context, n string) error {
		if c, ok := l.container(n); !ok || c.State != "running" {
			return nil // its filters go on when it starts again
		}
		spec := netnsHelper(l.plan.Name, n, image, agentArgs(rules[n].Command()))
		return o.runHelper(ctx, spec, "packet filter of "+n)
	})
}
