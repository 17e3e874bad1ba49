package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/topology"
)

// UpOptions adjust Up.
type UpOptions struct {
	Name       string        // overrides the topology's name
	MaxWorkers int           // nodes created and started at once (networks go two at a time beside them); DefaultMaxWorkers when 0
	Timeout    time.Duration // for the whole of Up; UpTimeout of its nodes when 0
	Retain     bool          // keep what was created when Up fails
}

// UpResult says what Up did.
type UpResult struct {
	Plan *topology.Plan // nil when the topology was already running
	// AlreadyRunning is true when the topology was up already, from the same
	// file, and Up changed nothing.
	AlreadyRunning bool
	Name           string
	// Completed says, one line a step, what Up added to a topology that
	// ran in part (`+ node spoke2`); empty for a new topology.
	Completed []string
	// Changed says, one line an operation, what Up changed of a topology
	// that ran from an earlier version of the file (`! recreate node web:
	// command changed`); empty when it changed nothing.
	Changed []string
	Timings []PhaseTiming
	// Notices say where the engine runs the topology otherwise than one
	// Docker engine would (see Deployment.Notices).
	Notices []string
}

// PhaseTiming is how long one phase of Up took.
type PhaseTiming struct {
	Phase    Phase
	Duration time.Duration
}

// ErrAlreadyRunning is returned, wrapped, when a topology of the same name
// runs from another file or another version of the file.
var ErrAlreadyRunning = errors.New("already running")

// maxPlanAttempts bounds re-planning when another topo races us for a subnet.
const maxPlanAttempts = 5

// readyMargin is how much earlier than Up's deadline a node's ready wait ends.
const readyMargin = 2 * time.Second

// Up plans t against the engine and applies the plan: networks,
// containers, start, then it waits until every node is ready. When a subnet
// of the plan is taken meanwhile (another topo, another machine on the same
// engine) and the file left the pool to topo, it plans again. On failure,
// timeout or cancellation it removes what it created unless opts.Retain is
// set.
func (o *Orchestrator) Up(ctx context.Context, t *topology.Topology, opts UpOptions) (*UpResult, error) {
	if t == nil {
		return nil, errors.New("up: no topology")
	}
	name := opts.Name
	if name == "" {
		name = t.Name
	}
	if opts.Timeout == 0 {
		opts.Timeout = UpTimeout(len(t.Nodes))
	}
	if err := o.rt.Ping(ctx); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	apply := ApplyOptions{MaxWorkers: opts.MaxWorkers, Timeout: opts.Timeout, Retain: opts.Retain}
	for attempt := 1; ; attempt++ {
		d, err := o.Plan(ctx, t, PlanOptions{Name: opts.Name})
		if err != nil {
			return &UpResult{Name: name}, fmt.Errorf("up %s: %w", name, err)
		}
		res, err := o.Apply(ctx, d, apply)
		if err == nil && res != nil && !res.AlreadyRunning {
			res.Notices = append(d.Notices, res.Notices...)
			res.Plan = o.withEngineAddresses(ctx, res.Plan)
		}
		if err == nil || !errors.Is(err, engine.ErrOverlap) || d.PoolFixed || attempt >= maxPlanAttempts || ctx.Err() != nil {
			return res, err
		}
		o.log.Info("subnet taken meanwhile, planning again", "topology", name, "attempt", attempt)
	}
}

// errConcurrentUp marks a topology that another up started between our
// first look and taking the network lock.
var errConcurrentUp = fmt.Errorf("another `topo up` of it is under way or just finished: %w", ErrAlreadyRunning)

// existing lists the containers and networks labelled with a topology.
func (o *Orchestrator) existing(ctx context.Context, name string) ([]engine.ContainerInfo, []engine.NetworkInfo, error) {
	if err := needName(name); err != nil {
		return nil, nil, err
	}
	sel := map[string]string{engine.LabelTopology: name}
	cs, err := o.rt.ListContainers(ctx, sel)
	if err != nil {
		return nil, nil, err
	}
	ns, err := o.rt.ListNetworks(ctx, sel)
	return cs, ns, err
}

// needsNodeImage reports whether a node runs topo's agent, or gets routes
// installed by a helper from the node image.
func needsNodeImage(p *topology.Plan) bool {
	for _, n := range p.Nodes {
		if n.Image == "" || len(n.IPRoutes) > 0 {
			return true
		}
	}
	return false
}

func segmentNames(plan *topology.Plan) []string {
	out := make([]string, len(plan.Segments))
	for i, s := range plan.Segments {
		out[i] = s.Name
	}
	return out
}

func nodeNames(plan *topology.Plan) []string {
	out := make([]string, len(plan.Nodes))
	for i, n := range plan.Nodes {
		out[i] = n.Name
	}
	return out
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
