package orchestrator

import (
	"context"
	"errors"
	"fmt"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/topology"
)

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

// prepare takes the machine-wide network lock, so that a concurrent up
// sees this one's networks when it checks its own plan, checks the plan
// against the engine, and returns the network specs and the container
// specs by node. Unless it fails, the caller releases the lock once the
// networks exist.
func (u *upRun) prepare(ctx context.Context, image string) ([]engine.NetworkSpec, map[string]engine.ContainerSpec, func(), error) {
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
	fresh, err := u.d.freshen(others)
	if err != nil {
		return fail(err)
	}
	u.d = fresh
	plan := fresh.Plan
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

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
