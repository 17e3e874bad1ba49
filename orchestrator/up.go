package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
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
	// ScheduleChanged says that the file's fault schedule changed: the
	// caller stops the schedule that runs (StopSchedule) and starts the
	// file's from now, as it does after an up of a new topology. Faults
	// the old schedule put in force stay until lifted.
	ScheduleChanged bool
	Timings         []PhaseTiming
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
const maxPlanAttempts = 8

// Up plans t against the engine and applies the plan. Bringing a
// topology up goes in these steps, in order, each in its own file:
//
//  1. plan (plan.go): addresses and subnets against the engine's networks;
//     Up plans again when a subnet of the plan is taken meanwhile (another
//     topo, another machine on the same engine) and the file left the pool
//     to topo;
//  2. image (up_prepare.go): the node image, if a node needs it;
//  3. prepare (up_prepare.go): the network lock, the plan checked against
//     what the engine has (names, subnets), the specs;
//  4. networks and nodes, overlapped (up_build.go): each node is created,
//     started and routed as soon as its networks exist;
//  5. routes (up_routes.go): on an engine that picks addresses, every
//     node's routes once all run;
//  6. ready (up_ready.go): every node reports its links up.
//
// On failure, timeout or cancellation it removes what it created
// (up_rollback.go) unless opts.Retain is set. A topology that runs in
// whole or in part is completed to the plan instead (complete.go), with
// the same steps. The fault schedule is the caller's to start after.
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
	var taken []netip.Prefix // refused by the engine, though no network lists them
	for attempt := 1; ; attempt++ {
		d, err := o.Plan(ctx, t, PlanOptions{Name: opts.Name, avoid: taken})
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
		var te *subnetTakenError
		if errors.As(err, &te) && te.subnet.IsValid() {
			taken = append(taken, te.subnet)
		}
		// Plan again once the up that took the subnet has made its
		// networks, or the new plan lands on the ones it is still making.
		if unlock, err := o.lockNetworks(ctx, name); err == nil {
			unlock()
		}
		o.log.Info("subnet taken meanwhile, planning again", "topology", name, "attempt", attempt, "err", err)
	}
}

// ApplyOptions adjust Apply.
type ApplyOptions struct {
	MaxWorkers int           // nodes created and started at once (networks go two at a time beside them); DefaultMaxWorkers when 0
	Timeout    time.Duration // for the whole of Apply; UpTimeout of its nodes when 0
	Retain     bool          // keep what was created when Apply fails
}

// Apply creates a deployment: it makes sure the node image exists, creates
// the networks and containers, starts them, and waits until every node is
// ready. When the topology already runs from the same file and version it
// changes nothing. On failure, timeout or cancellation it removes what it
// created, unless opts.Retain is set. A subnet taken since d was planned
// makes it plan again (res.Plan is what it applied); a deployment not made
// by Plan fails with engine.ErrOverlap then, before anything is created.
func (o *Orchestrator) Apply(ctx context.Context, d *Deployment, opts ApplyOptions) (*UpResult, error) {
	if d == nil || d.Plan == nil {
		return nil, errors.New("apply: no plan")
	}
	name := d.Plan.Name
	if opts.Timeout == 0 {
		opts.Timeout = UpTimeout(len(d.Plan.Nodes))
	}
	if opts.MaxWorkers <= 0 {
		opts.MaxWorkers = DefaultMaxWorkers
	}
	release, err := claimUp(name)
	if err != nil {
		return &UpResult{Name: name}, fmt.Errorf("up %s: %w", name, err)
	}
	defer release()
	ob, err := o.observe(ctx, name)
	if err != nil {
		return &UpResult{Name: name}, fmt.Errorf("up %s: %w", name, err)
	}
	if !ob.empty() { // it runs, in whole or in part: complete it to the plan
		return o.complete(ctx, d, ob, opts)
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()

	u := &upRun{o: o, opts: opts, d: d, name: name, runID: newRunID()}
	// The image comes first: it may take a while, and creates nothing to
	// roll back.
	image, err := u.image(ctx)
	if err != nil {
		return &UpResult{Name: name, Timings: u.timings}, fmt.Errorf("up %s: %w", name, err)
	}
	res, err := u.run(ctx, image)
	if err == nil {
		return res, nil
	}
	return res, u.fail(ctx, err)
}

// upRun is one Apply.
type upRun struct {
	o       *Orchestrator
	opts    ApplyOptions
	d       *Deployment
	name    string
	runID   string     // the topo.run label of everything this Apply creates
	created bool       // a create was sent to the engine, so there may be something to roll back
	mu      sync.Mutex // guards timings: the networks and containers phases overlap
	timings []PhaseTiming
	// configs are the configs the agents of nodes that stay took as they
	// ran (reconfigure), for the marker of what changed in place.
	configs map[string]appliedResource
}

// run brings a new topology up after its image: the steps below, in
// order, each in its own file. A failure ends it, and Apply rolls back.
func (u *upRun) run(ctx context.Context, image string) (*UpResult, error) {
	res := &UpResult{Name: u.name, Plan: u.d.Plan}
	defer func() { res.Timings = u.timings }()

	nets, specs, unlock, err := u.prepare(ctx, image) // up_prepare.go
	res.Plan = u.d.Plan                               // prepare may have planned again
	if err != nil {
		return res, err
	}
	if err := u.build(ctx, nets, specs, unlock, image); err != nil { // up_build.go
		return res, err
	}
	if err := u.routes(ctx, image); err != nil { // up_routes.go
		return res, err
	}
	return res, u.ready(ctx) // up_ready.go
}
