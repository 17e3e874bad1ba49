package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"golang.org/x/sync/errgroup"

	"github.com/topo-dev/topo/engine"
)

// networkWorkers bounds the network creates in flight. The engine creates
// networks one at a time, so two keep it busy.
const networkWorkers = 2

// build creates the networks and, overlapping them, the containers: each
// node is created, started and routed as soon as every network it is on
// exists, instead of after the last network. Networks are made two at a
// time beside the nodes' MaxWorkers, so that none waits behind a node's
// start. When a node is on more than overlapMaxNetworks, every node waits
// for every network (see there). unlock, the network lock, is released
// once the networks exist or have failed.
func (u *upRun) build(ctx context.Context, nets []engine.NetworkSpec, specs map[string]engine.ContainerSpec, unlock func(), image string) error {
	plan := u.d.Plan
	made := newNetworkGate(nets)
	slots := make(chan struct{}, u.opts.MaxWorkers)
	byName := make(map[string]engine.NetworkSpec, len(nets))
	for _, n := range nets {
		byName[n.Name] = n
	}
	u.created = true
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer unlock()
		limit := min(networkWorkers, u.opts.MaxWorkers)
		return u.forEachLimit(gctx, PhaseNetworks, segmentNames(plan), limit, func(ctx context.Context, seg string) error {
			spec := byName[engine.NetworkName(plan.Name, seg)]
			err := u.createNetwork(ctx, spec)
			if err == nil {
				made.open(spec.Name)
			}
			return err
		})
	})
	all := allAttachments(nets)
	overlap := maxNetworks(specs) <= overlapMaxNetworks
	g.Go(func() error {
		nodes := nodeNames(plan)
		return u.forEachLimit(gctx, PhaseContainers, nodes, len(nodes), func(ctx context.Context, n string) error {
			spec := specs[n]
			waitFor := spec.Network
			if !overlap {
				waitFor = all
			}
			if err := made.wait(ctx, waitFor); err != nil {
				return err
			}
			return withSlot(ctx, slots, func() error { return u.startNode(ctx, n, spec, image) })
		})
	})
	return g.Wait()
}

func (u *upRun) createNetwork(ctx context.Context, spec engine.NetworkSpec) error {
	cctx, cancel := uncancelled(ctx)
	defer cancel()
	_, err := u.o.rt.CreateNetwork(cctx, spec)
	if errors.Is(err, engine.ErrOverlap) && u.d.PoolFixed {
		return fmt.Errorf("network %s: subnet %s overlaps an existing Docker network; choose another network.pool in the file: %w", spec.Name, spec.Subnet, err)
	}
	if errors.Is(err, engine.ErrOverlap) {
		return &subnetTakenError{subnet: spec.Subnet, err: fmt.Errorf("network %s: %w", spec.Name, err)}
	}
	if err != nil {
		return fmt.Errorf("network %s: %w", spec.Name, err)
	}
	return nil
}

// subnetTakenError is a network create the engine refused because its
// subnet overlaps one it holds though no network lists it (one being
// removed holds its pool a moment longer, or it is not topo's): Up plans
// again around that subnet, not onto it once more.
type subnetTakenError struct {
	subnet netip.Prefix
	err    error
}

func (e *subnetTakenError) Error() string { return e.err.Error() }
func (e *subnetTakenError) Unwrap() error { return e.err }

// startNode creates a node's container, starts it and installs its
// routes: a node goes as far as it can as soon as its networks exist,
// rather than wait for every other node at each step. The engine's work is
// the same, and none of it waits for the slowest create.
func (u *upRun) startNode(ctx context.Context, n string, spec engine.ContainerSpec, image string) error {
	cctx, cancel := uncancelled(ctx)
	id, err := u.o.rt.CreateContainer(cctx, spec)
	cancel()
	if err != nil {
		return fmt.Errorf("create container %s: %w", spec.Name, err)
	}
	if err := u.o.rt.StartContainer(ctx, id); err != nil {
		return fmt.Errorf("start %s: %w", engine.ContainerName(u.name, n), err)
	}
	return u.installRoutes(ctx, n, image)
}

// overlapMaxNetworks is the most networks a node may be on for up to
// overlap networks and containers. A star's hub is on every network, so it
// could start only once the last network exists, and the engine takes
// minutes to join it to 249: those must overlap the spokes' starts, as
// they do when every network is made first and the hub starts among the
// first nodes.
const overlapMaxNetworks = 8

// maxNetworks is the most networks any one node is on.
func maxNetworks(specs map[string]engine.ContainerSpec) int {
	most := 0
	for _, s := range specs {
		most = max(most, len(s.Network))
	}
	return most
}

// allAttachments names every network, for a node that waits for them all.
func allAttachments(nets []engine.NetworkSpec) []engine.NetworkAttachment {
	out := make([]engine.NetworkAttachment, len(nets))
	for i, n := range nets {
		out[i] = engine.NetworkAttachment{Network: n.Name}
	}
	return out
}

// withSlot runs f once one of slots is free, and frees it after.
func withSlot(ctx context.Context, slots chan struct{}, f func() error) error {
	select {
	case slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-slots }()
	if err := ctx.Err(); err != nil { // ended while it waited: create nothing more
		return err
	}
	return f()
}

// networkGate says which of a plan's networks exist yet.
type networkGate map[string]chan struct{}

func newNetworkGate(nets []engine.NetworkSpec) networkGate {
	g := make(networkGate, len(nets))
	for _, n := range nets {
		g[n.Name] = make(chan struct{})
	}
	return g
}

// open marks the named network as created.
func (g networkGate) open(network string) { close(g[network]) }

// wait returns once every network of attachments exists, or when ctx ends.
func (g networkGate) wait(ctx context.Context, attachments []engine.NetworkAttachment) error {
	for _, a := range attachments {
		ch, ok := g[a.Network]
		if !ok {
			continue // not one of the plan's: nothing to wait for
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
