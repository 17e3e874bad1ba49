package orchestrator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/topology"
)

// UpOptions adjust Up.
type UpOptions struct {
	Name       string        // overrides the topology's name
	MaxWorkers int           // engine calls in flight at once; DefaultMaxWorkers when 0
	Timeout    time.Duration // for the whole of Up; DefaultUpTimeout when 0
	Retain     bool          // keep what was created when Up fails
}

// UpResult says what Up did.
type UpResult struct {
	Plan *topology.Plan // nil when the topology was already running
	// AlreadyRunning is true when the topology was up already, from the same
	// file, and Up changed nothing.
	AlreadyRunning bool
	Name           string
	Timings        []PhaseTiming
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

// Up plans t and brings it up: networks, containers, start, then waits until
// every node is ready. On failure, timeout or cancellation it removes what
// it created unless opts.Retain is set.
func (o *Orchestrator) Up(ctx context.Context, t *topology.Topology, opts UpOptions) (*UpResult, error) {
	name := opts.Name
	if name == "" {
		name = t.Name
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultUpTimeout
	}
	if opts.MaxWorkers <= 0 {
		opts.MaxWorkers = DefaultMaxWorkers
	}
	if err := o.rt.Ping(ctx); err != nil {
		return nil, err
	}
	file, err := filepath.Abs(t.File)
	if err != nil {
		file = t.File
	}
	hash := t.Hash()

	running, err := o.checkExisting(ctx, name, file, hash)
	if err != nil || running {
		return &UpResult{Name: name, AlreadyRunning: running}, err
	}

	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()

	u := &upRun{o: o, opts: opts, name: name, file: file, hash: hash, poolSet: t.Network.PoolSet}
	// The image comes first, once: it may take a while, needs no plan, and
	// creates nothing to roll back.
	image, err := u.image(ctx, t)
	if err != nil {
		return &UpResult{Name: name, Timings: u.timings}, fmt.Errorf("up %s: %w", name, err)
	}
	imageTiming := u.timings
	var res *UpResult
	for attempt := 1; ; attempt++ {
		u.timings = slices.Clone(imageTiming)
		res, err = u.run(ctx, t, image)
		if err == nil {
			return res, nil
		}
		if errors.Is(err, errConcurrentUp) {
			return res, err // what exists is the other up's, not ours to remove
		}
		retry := errors.Is(err, engine.ErrOverlap) && !t.Network.PoolSet && attempt < maxPlanAttempts && ctx.Err() == nil
		if !retry && opts.Retain {
			return res, fmt.Errorf("up %s: %w (resources kept because of --retain; remove them with `topo down %s`)", name, err, name)
		}
		o.rollback(ctx, name)
		if !retry {
			switch {
			case ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded):
				return res, fmt.Errorf("up %s: timed out after %s and removed what it created (raise --timeout?): %w", name, opts.Timeout, err)
			case errors.Is(err, context.Canceled):
				return res, fmt.Errorf("up %s: interrupted; removed what it created: %w", name, err)
			}
			return res, fmt.Errorf("up %s: %w", name, err)
		}
		o.log.Info("subnet taken meanwhile, planning again", "topology", name, "attempt", attempt)
	}
}

// errConcurrentUp marks a topology that another up started between our
// first look and taking the network lock.
var errConcurrentUp = fmt.Errorf("another `topo up` of it is under way or just finished: %w", ErrAlreadyRunning)

// checkExisting reports whether the topology already runs from this file
// and version, and fails when it runs from another.
func (o *Orchestrator) checkExisting(ctx context.Context, name, file, hash string) (bool, error) {
	cs, ns, err := o.existing(ctx, name)
	if err != nil {
		return false, fmt.Errorf("up %s: %w", name, err)
	}
	if len(cs) == 0 && len(ns) == 0 {
		return false, nil
	}
	for _, c := range cs {
		if f := c.Labels[engine.LabelFile]; f != file {
			return false, fmt.Errorf("up %s: %w from %s; run `topo down %s` first, or pick another name with --name", name, ErrAlreadyRunning, f, name)
		}
		if c.Labels[engine.LabelPlan] != hash {
			return false, fmt.Errorf("up %s: %w from an earlier version of %s; run `topo down %s` first", name, ErrAlreadyRunning, file, name)
		}
	}
	for _, c := range cs {
		if c.State != "running" {
			return false, fmt.Errorf("up %s: the topology is partly up (container %s is %s); run `topo down %s` and try again", name, c.Name, c.State, name)
		}
	}
	if len(cs) == 0 {
		return false, fmt.Errorf("up %s: networks of this topology exist without nodes; run `topo down %s` and try again", name, name)
	}
	return true, nil
}

// existing lists the containers and networks labelled with a topology.
func (o *Orchestrator) existing(ctx context.Context, name string) ([]engine.ContainerInfo, []engine.NetworkInfo, error) {
	sel := map[string]string{engine.LabelTopology: name}
	cs, err := o.rt.ListContainers(ctx, sel)
	if err != nil {
		return nil, nil, err
	}
	ns, err := o.rt.ListNetworks(ctx, sel)
	return cs, ns, err
}

// upRun is one attempt at bringing a topology up.
type upRun struct {
	o          *Orchestrator
	opts       UpOptions
	name, file string
	hash       string
	poolSet    bool // the file chose its pool, so an overlap is the user's to fix
	timings    []PhaseTiming
}

// image makes sure the node image exists, if any node needs it.
func (u *upRun) image(ctx context.Context, t *topology.Topology) (string, error) {
	var image string
	err := u.phase(ctx, PhaseImage, 1, func(ctx context.Context) error {
		if !needsNodeImage(t) {
			return nil
		}
		var err error
		image, err = u.o.NodeImage(ctx)
		return err
	})
	return image, err
}

func (u *upRun) run(ctx context.Context, t *topology.Topology, image string) (*UpResult, error) {
	res := &UpResult{Name: u.name}
	defer func() { res.Timings = u.timings }()

	plan, specs, err := u.planAndWire(ctx, t, image)
	res.Plan = plan
	if err != nil {
		return res, err
	}
	var mu sync.Mutex
	ids := make(map[string]string, len(specs))
	err = u.forEach(ctx, PhaseContainers, nodeNames(plan), func(ctx context.Context, n string) error {
		id, err := u.o.rt.CreateContainer(uncancelled(ctx), specs[n])
		if err != nil {
			return fmt.Errorf("create container %s: %w", specs[n].Name, err)
		}
		mu.Lock()
		ids[n] = id
		mu.Unlock()
		return nil
	})
	if err != nil {
		return res, err
	}
	err = u.forEach(ctx, PhaseStart, nodeNames(plan), func(ctx context.Context, n string) error {
		if err := u.o.rt.StartContainer(ctx, ids[n]); err != nil {
			return fmt.Errorf("start %s: %w", engine.ContainerName(u.name, n), err)
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	err = u.forEach(ctx, PhaseReady, nodeNames(plan), func(ctx context.Context, n string) error {
		pn, _ := plan.Node(n)
		return u.o.waitReady(ctx, engine.ContainerName(u.name, n), pn.Image != "")
	})
	return res, err
}

// planAndWire plans the topology and creates its networks, holding the
// machine-wide network lock so that concurrent ups pick distinct subnets.
// It returns the container specs by node.
func (u *upRun) planAndWire(ctx context.Context, t *topology.Topology, image string) (*topology.Plan, map[string]engine.ContainerSpec, error) {
	unlock, err := lockNetworks(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer unlock()
	// Another up of the same name may have got the lock first.
	if cs, ns, err := u.o.existing(ctx, u.name); err != nil {
		return nil, nil, err
	} else if len(cs)+len(ns) > 0 {
		return nil, nil, fmt.Errorf("up %s: %w; see `topo status %s`", u.name, errConcurrentUp, u.name)
	}
	others, err := u.o.rt.ListNetworks(ctx, nil)
	if err != nil {
		return nil, nil, err
	}
	plan, err := u.o.plan(t, u.name, others)
	if err != nil {
		return nil, nil, err
	}
	if err := u.o.preflight(ctx, plan, others); err != nil {
		return plan, nil, err
	}
	nets, cons, err := Specs(plan, SpecOptions{Image: image, File: u.file, Hash: u.hash})
	if err != nil {
		return plan, nil, err
	}
	byName := map[string]engine.NetworkSpec{}
	for _, n := range nets {
		byName[n.Name] = n
	}
	err = u.forEach(ctx, PhaseNetworks, segmentNames(plan), func(ctx context.Context, seg string) error {
		return u.createNetwork(ctx, byName[engine.NetworkName(plan.Name, seg)])
	})
	specs := make(map[string]engine.ContainerSpec, len(cons))
	for _, c := range cons {
		specs[c.Labels[engine.LabelNode]] = c
	}
	return plan, specs, err
}

// plan builds the plan, steering clear of subnets the engine's networks use.
func (o *Orchestrator) plan(t *topology.Topology, name string, nets []engine.NetworkInfo) (*topology.Plan, error) {
	var avoid []netip.Prefix
	for _, n := range nets {
		avoid = append(avoid, n.Subnets...)
	}
	return topology.BuildPlan(t, topology.PlanOptions{Name: name, Avoid: avoid})
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
	if errors.Is(err, engine.ErrOverlap) && u.poolSet {
		return fmt.Errorf("network %s: subnet %s overlaps an existing Docker network; choose another network.pool in the file: %w", spec.Name, spec.Subnet, err)
	}
	if err != nil {
		return fmt.Errorf("network %s: %w", spec.Name, err)
	}
	return nil
}

// waitReady waits until a node reports every link up. A user's own image
// has no agent to ask, so running is as ready as it gets.
func (o *Orchestrator) waitReady(ctx context.Context, container string, userImage bool) error {
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
	// The agent waits a little less than we do, so that when time runs out
	// its answer (which links are down) arrives before our deadline.
	wait := time.Minute
	if d, ok := ctx.Deadline(); ok {
		wait = max(time.Until(d)-readyMargin, 100*time.Millisecond)
	}
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
	u.timings = append(u.timings, PhaseTiming{Phase: p, Duration: d})
	status := "done"
	if err != nil {
		status = "failed"
	}
	u.o.emit(Progress{Topology: u.name, Phase: p, Status: status, Done: total, Total: total, Err: err, Elapsed: d})
	return err
}

// forEach runs f for every item, at most MaxWorkers at once, as one phase.
func (u *upRun) forEach(ctx context.Context, p Phase, items []string, f func(ctx context.Context, item string) error) error {
	return u.phase(ctx, p, len(items), func(ctx context.Context) error {
		var done atomic.Int64
		return boundedEach(ctx, u.opts.MaxWorkers, items, func(ctx context.Context, item string) error {
			err := f(ctx, item)
			status := "done"
			if err != nil {
				status = "failed"
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

func needsNodeImage(t *topology.Topology) bool {
	for _, n := range t.Nodes {
		if n.Image == "" {
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
