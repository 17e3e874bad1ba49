package orchestrator

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/topology"
)

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
// created, unless opts.Retain is set; a subnet taken since d was planned
// fails it with engine.ErrOverlap before anything is created.
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
}

// image makes sure the node image exists, if any node needs it.
func (u *upRun) image(ctx context.Context) (string, error) {
	var image string
	err := u.phase(ctx, PhaseImage, 1, func(ctx context.Context) error {
		if !needsNodeImage(u.d.Plan) {
			return nil
		}
		var err error
		image, err = u.o.NodeImage(ctx)
		return err
	})
	return image, err
}

func (u *upRun) run(ctx context.Context, image string) (*UpResult, error) {
	plan := u.d.Plan
	res := &UpResult{Name: u.name, Plan: plan}
	defer func() { res.Timings = u.timings }()

	nets, specs, unlock, err := u.prepare(ctx, image)
	if err != nil {
		return res, err
	}
	if err := u.build(ctx, nets, specs, unlock, image); err != nil {
		return res, err
	}
	w := u.watchReady(ctx, nodeNames(plan))
	defer w.stop()
	err = u.forEachLimit(ctx, PhaseReady, nodeNames(plan), u.readyLimit(anyLogsReady(plan)), func(ctx context.Context, n string) error {
		pn, _ := plan.Node(n)
		err := u.o.waitReady(ctx, engine.ContainerName(u.name, n), pn.Image != "", logsReady(plan, pn))
		w.done(n)
		return err
	})
	return res, err
}

// startNode creates a node's container, starts it and installs its
// routes: a node goes as far as it can as soon as its networks exist,
// rather than wait for every other node at each step. The engine's work is
// the same, and none of it waits for the slowest create.
func (u *upRun) startNode(ctx context.Context, n string, spec engine.ContainerSpec, image string) error {
	id, err := u.o.rt.CreateContainer(uncancelled(ctx), spec)
	if err != nil {
		return fmt.Errorf("create container %s: %w", spec.Name, err)
	}
	if err := u.o.rt.StartContainer(ctx, id); err != nil {
		return fmt.Errorf("start %s: %w", engine.ContainerName(u.name, n), err)
	}
	return u.installRoutes(ctx, n, image)
}

// readyLimit is how many nodes the ready phase waits for at once: as
// many as it may follow logs of, or as many execs as other engine calls.
func (u *upRun) readyLimit(byLog bool) int {
	if byLog {
		return max(u.opts.MaxWorkers, readyStreams)
	}
	return u.opts.MaxWorkers
}

// prepare takes the machine-wide network lock, so that a concurrent up
// sees this one's networks when it checks its own plan, checks the plan
// against the engine, and returns the network specs and the container
// specs by node. Unless it fails, the caller releases the lock once the
// networks exist.
func (u *upRun) prepare(ctx context.Context, image string) ([]engine.NetworkSpec, map[string]engine.ContainerSpec, func(), error) {
	plan := u.d.Plan
	unlock, err := u.o.lockNetworks(ctx, u.name)
	if err != nil {
		return nil, nil, nil, err
	}
	fail := func(err error) ([]engine.NetworkSpec, map[string]engine.ContainerSpec, func(), error) {
		unlock()
		return nil, nil, nil, err
	}
	// Another up of the same name may have got the lock first.
	if cs, ns, err := u.o.existing(ctx, u.name); err != nil {
		return fail(err)
	} else if len(cs)+len(ns) > 0 {
		return fail(fmt.Errorf("%w; see `topo status %s`", errConcurrentUp, u.name))
	}
	others, err := u.o.rt.ListNetworks(ctx, nil)
	if err != nil {
		return fail(err)
	}
	if err := checkSubnetsFree(u.d, others); err != nil {
		return fail(err)
	}
	if err := u.o.preflight(ctx, plan, others); err != nil {
		return fail(err)
	}
	nets, cons, err := Specs(plan, SpecOptions{Image: image, File: u.d.File, Hash: u.d.Hash, Secret: newSecret(),
		ByName: !u.o.Capabilities().FixedAddresses})
	if err != nil {
		return fail(err)
	}
	for _, n := range nets {
		n.Labels[engine.LabelRun] = u.runID
	}
	specs := make(map[string]engine.ContainerSpec, len(cons))
	for _, c := range cons {
		c.Labels[engine.LabelRun] = u.runID
		specs[c.Labels[engine.LabelNode]] = c
	}
	return nets, specs, unlock, nil
}

// preflight refuses names already taken by resources topo does not own,
// and user images that are not present, before anything is created.
func (o *Orchestrator) preflight(ctx context.Context, plan *topology.Plan, nets []engine.NetworkInfo) error {
	var errs []error
	for _, n := range plan.Nodes {
		c, err := o.rt.ContainerByName(ctx, engine.ContainerName(plan.Name, n.Name))
		switch {
		case errors.Is(err, engine.ErrNotFound):
		case err != nil:
			return err
		case c.Labels[engine.LabelTopology] != "":
			// Names join with dashes, so topology "a" node "b-c" and
			// topology "a-b" node "c" are both "a-b-c".
			errs = append(errs, fmt.Errorf("container name %q is taken by node %q of topology %q; pick another name with --name", c.Name, c.Labels[engine.LabelNode], c.Labels[engine.LabelTopology]))
		default:
			errs = append(errs, fmt.Errorf("container name %q is taken by a container topo did not create (%s); remove it or pick another name with --name", c.Name, shortID(c.ID)))
		}
		if n.Image != "" {
			ok, err := o.rt.ImageExists(ctx, n.Image)
			if err != nil {
				return err
			}
			if !ok {
				errs = append(errs, fmt.Errorf("node %s: image %q is not present locally, and topo never pulls; build it or `docker load` it first", n.Name, n.Image))
			}
		}
	}
	taken := map[string]engine.NetworkInfo{}
	for _, n := range nets {
		taken[n.Name] = n
	}
	for _, s := range plan.Segments {
		name := engine.NetworkName(plan.Name, s.Name)
		n, ok := taken[name]
		switch {
		case !ok:
		case n.Labels[engine.LabelTopology] != "":
			errs = append(errs, fmt.Errorf("network name %q is taken by segment %q of topology %q; pick another name with --name", name, n.Labels[engine.LabelSegment], n.Labels[engine.LabelTopology]))
		default:
			errs = append(errs, fmt.Errorf("network name %q is taken by a network topo did not create; remove it or pick another name with --name", name))
		}
	}
	return errors.Join(errs...)
}

func (u *upRun) createNetwork(ctx context.Context, spec engine.NetworkSpec) error {
	_, err := u.o.rt.CreateNetwork(uncancelled(ctx), spec)
	if errors.Is(err, engine.ErrOverlap) && u.d.PoolFixed {
		return fmt.Errorf("network %s: subnet %s overlaps an existing Docker network; choose another network.pool in the file: %w", spec.Name, spec.Subnet, err)
	}
	if err != nil {
		return fmt.Errorf("network %s: %w", spec.Name, err)
	}
	return nil
}

// waitReady waits until a node reports every link up: byLog, by the
// ready event in its log, then (when that did not come) by asking its
// agent, which waits for what is left of the time and says which links
// are down. A user's own image has no agent to ask, so running is as
// ready as it gets.
func (o *Orchestrator) waitReady(ctx context.Context, container string, userImage, byLog bool) error {
	if userImage {
		c, err := o.rt.ContainerByName(ctx, container)
		if err != nil {
			return err
		}
		if c.State != "running" {
			return fmt.Errorf("node %s is %s, not running; see `docker logs %s`", container, c.State, container)
		}
		return nil
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, readyWait+readyMargin)
		defer cancel()
	}
	if byLog {
		lctx, cancel := context.WithDeadline(ctx, readyDeadline(ctx))
		ok := o.awaitReadyEvent(lctx, container)
		cancel()
		if ok {
			return nil
		}
	}
	// The agent waits a little less than we do, so that when time runs out
	// its answer (which links are down) arrives before our deadline.
	d, _ := ctx.Deadline()
	wait := max(time.Until(d)-readyMargin, 100*time.Millisecond)
	var out, errOut bytes.Buffer
	code, err := o.rt.Exec(ctx, container, agent.ReadyCommand(wait), &out, &errOut)
	if err != nil {
		return fmt.Errorf("node %s: ready: %w", container, err)
	}
	if code != 0 {
		msg := strings.TrimSpace(errOut.String() + " " + out.String())
		return fmt.Errorf("node %s is not ready: %s", container, msg)
	}
	return nil
}

// phase runs f as one timed phase.
func (u *upRun) phase(ctx context.Context, p Phase, total int, f func(ctx context.Context) error) error {
	start := time.Now()
	u.o.emit(Progress{Topology: u.name, Phase: p, Status: "started", Total: total})
	err := f(ctx)
	d := time.Since(start)
	u.mu.Lock()
	u.timings = append(u.timings, PhaseTiming{Phase: p, Duration: d})
	u.mu.Unlock()
	status := "done"
	switch {
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		status = "stopped" // by an interruption or another phase's failure, which is told once
	case err != nil:
		status = "failed"
	}
	u.o.emit(Progress{Topology: u.name, Phase: p, Status: status, Done: total, Total: total, Err: err, Elapsed: d})
	return err
}

// forEachLimit runs f for every item, at most limit at once, as one
// phase, and reports each item's end.
func (u *upRun) forEachLimit(ctx context.Context, p Phase, items []string, limit int, f func(ctx context.Context, item string) error) error {
	return u.phase(ctx, p, len(items), func(ctx context.Context) error {
		var done atomic.Int64
		return boundedEach(ctx, limit, items, func(ctx context.Context, item string) error {
			err := f(ctx, item)
			status := "done"
			if err != nil {
				status = "failed"
			}
			if err != nil && ctx.Err() != nil {
				return err // cut short by an interruption or another's failure, which is told once
			}
			u.o.emit(Progress{Topology: u.name, Phase: p, Resource: item, Status: status, Done: int(done.Add(1)), Total: len(items), Err: err})
			return err
		})
	})
}

// boundedEach runs f over items with at most limit in flight. The first
// error cancels the rest.
func boundedEach[T any](ctx context.Context, limit int, items []T, f func(ctx context.Context, item T) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(limit)
	for _, it := range items {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			return f(ctx, it)
		})
	}
	return g.Wait()
}

// uncancelled lets a create that has started finish even when Up is
// cancelled. The engine goes on with a request whose client gave up, and a
// resource that appears after the rollback looked would leak; a finished
// create is known and rolled back. The engine layer bounds every call with
// a timeout of its own, and boundedEach starts no new call once ctx ends.
func uncancelled(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// newRunID names one Apply, for the topo.run label.
func newRunID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
