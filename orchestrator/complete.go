package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/topo-dev/topo/engine"
)

// complete brings a topology that runs in part up to its plan: what an
// interrupted up, or a `docker rm` behind topo's back, left out; and it
// applies what changed in the file where it can (changeToApply): it
// recreates the nodes whose own settings changed, then changes
// impairments, traffic and the fault schedule in place (applyInPlace). Nodes that run as planned are not touched. It changes nothing, and says so, when
// nothing is missing; it refuses, saying what differs and what to run,
// when the running part cannot be completed in place.
func (o *Orchestrator) complete(ctx context.Context, d *Deployment, ob *observed, opts ApplyOptions) (*UpResult, error) {
	name := d.Plan.Name
	if err := ob.sameFile(name, d.File); err != nil {
		return &UpResult{Name: name}, err
	}
	ch, err := o.changeToApply(ctx, d, ob)
	if err != nil {
		return &UpResult{Name: name}, err
	}
	c := diff(d.Plan, ob)
	r := reconfigurationOf(ch, d.Plan, ob)
	c.adopt(r)
	if len(c.blocked) > 0 {
		return &UpResult{Name: name}, c.blockedError(name, d.File)
	}
	notices := idleNotices(name, c.idle)
	completed := c.lines(name)
	c.recreate(ch.Recreated())
	if c.empty() && len(ch.Operations) == 0 {
		return &UpResult{Name: name, AlreadyRunning: true, Notices: notices}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	u := &upRun{o: o, opts: opts, d: d, name: name, runID: newRunID()}
	image, err := u.image(ctx)
	if err != nil {
		return &UpResult{Name: name, Timings: u.timings}, fmt.Errorf("up %s: %w", name, err)
	}
	res := &UpResult{Name: name, Plan: d.Plan, Completed: completed, Changed: ch.Lines(), Notices: notices,
		ScheduleChanged: ch.scheduleChanged()}
	if !c.empty() || !r.empty() {
		if err := u.completeRun(ctx, c, ob, image, r); err != nil {
			res.Timings = u.timings
			return res, u.fail(ctx, err)
		}
	}
	res.Timings = u.timings
	if err := u.applyInPlace(ctx, ch, image); err != nil {
		return res, fmt.Errorf("up %s: %w", name, err)
	}
	return res, nil
}

// completeRun executes a completion: stale helpers and containers go,
// missing networks and containers are made, the nodes that stay are
// reconfigured (r), the nodes made are routed and waited for, and what
// the change removes goes.
func (u *upRun) completeRun(ctx context.Context, c *completion, ob *observed, image string, r *reconfiguration) error {
	secret, err := u.o.topologySecret(ctx, ob) // before a node it is read from may go
	if err != nil {
		return err
	}
	was, err := u.o.beforeReconfigure(ctx, u.name, r)
	if err != nil {
		return err
	}
	for _, h := range ob.helpers { // each holds its node's network namespace
		if err := u.o.rt.RemoveContainer(ctx, h.ID); err != nil && !errors.Is(err, engine.ErrNotFound) {
			return fmt.Errorf("remove leftover helper %s: %w", h.Name, err)
		}
	}
	for _, n := range c.replace {
		if err := u.o.rt.RemoveContainer(ctx, ob.containers[n].ID); err != nil && !errors.Is(err, engine.ErrNotFound) {
			return fmt.Errorf("remove %s to recreate it: %w", ob.containers[n].Name, err)
		}
	}
	nets, cons, err := Specs(u.d.Plan, SpecOptions{Image: image, File: u.d.File, Hash: u.d.Hash, Secret: secret,
		ByName: !u.o.Capabilities().FixedAddresses})
	if err != nil {
		return err
	}
	if err := u.completeNetworks(ctx, c, nets); err != nil {
		return err
	}
	specs := map[string]engine.ContainerSpec{}
	for _, s := range cons {
		s.Labels[engine.LabelRun] = u.runID
		specs[s.Labels[engine.LabelNode]] = s
	}
	err = u.forEachLimit(ctx, PhaseContainers, c.changed(u.d.Plan), u.opts.MaxWorkers, func(ctx context.Context, n string) error {
		return u.completeNode(ctx, c, ob, n, specs[n], image)
	})
	if err != nil {
		return err
	}
	// The nodes that stay learn of the new ones once those run: a failure
	// before leaves them as they were, one until the new ones are ready
	// hands them back what they had (undoReconfigure).
	if err := u.reconfigureAndWait(ctx, c, r, ob, specs, image); err != nil {
		uctx, cancel := uncancelled(ctx)
		defer cancel()
		u.undoReconfigure(uctx, was, r, c.create, image)
		u.undoConnects(uctx, r, ob)
		return err
	}
	return u.removeGone(ctx, r, ob)
}

// reconfigureAndWait reconfigures the nodes that stay, then routes (on an
// engine that picks addresses) and waits for what the completion made.
func (u *upRun) reconfigureAndWait(ctx context.Context, c *completion, r *reconfiguration, ob *observed,
	specs map[string]engine.ContainerSpec, image string) error {
	if err := u.reconfigure(ctx, r, ob, specs, image); err != nil {
		return err
	}
	if len(c.changed(u.d.Plan)) > 0 {
		if err := u.routes(ctx, image); err != nil {
			return err
		}
	}
	return u.waitChanged(ctx, c.changed(u.d.Plan))
}

// completeNetworks creates the missing networks, under the network lock,
// once their subnets are known to be free.
func (u *upRun) completeNetworks(ctx context.Context, c *completion, specs []engine.NetworkSpec) error {
	if len(c.networks) == 0 {
		return nil
	}
	unlock, err := u.o.lockNetworks(ctx, u.name)
	if err != nil {
		return err
	}
	defer unlock()
	all, err := u.o.rt.ListNetworks(ctx, nil)
	if err != nil {
		return err
	}
	var others []engine.NetworkInfo
	for _, n := range all {
		if n.Labels[engine.LabelTopology] != u.name {
			others = append(others, n)
		}
	}
	if err := checkSubnetsFree(u.d, others); err != nil {
		return err
	}
	byName := map[string]engine.NetworkSpec{}
	for _, s := range specs {
		s.Labels[engine.LabelRun] = u.runID
		byName[s.Name] = s
	}
	u.created = true
	return u.forEachLimit(ctx, PhaseNetworks, c.networks, networkWorkers, func(ctx context.Context, seg string) error {
		return u.createNetwork(ctx, byName[engine.NetworkName(u.name, seg)])
	})
}

// completeNode does what one node lacks: a container (made and started),
// a start, or its routes.
func (u *upRun) completeNode(ctx context.Context, c *completion, ob *observed, n string, spec engine.ContainerSpec, image string) error {
	switch {
	case slices.Contains(c.create, n) || slices.Contains(c.replace, n):
		u.created = true
		err := u.startNode(ctx, n, spec, image)
		if errors.Is(err, engine.ErrConflict) && u.removeLateCreate(ctx, spec.Name) {
			err = u.startNode(ctx, n, spec, image)
		}
		return err
	case slices.Contains(c.start, n):
		if err := u.o.rt.StartContainer(ctx, ob.containers[n].ID); err != nil {
			return fmt.Errorf("start %s: %w", ob.containers[n].Name, err)
		}
	}
	return u.installRoutes(ctx, n, image)
}

// waitChanged waits until every node the completion touched is ready.
func (u *upRun) waitChanged(ctx context.Context, nodes []string) error {
	plan := u.d.Plan
	return u.forEachLimit(ctx, PhaseReady, nodes, u.readyLimit(anyLogsReady(plan)), func(ctx context.Context, n string) error {
		pn, _ := plan.Node(n)
		return u.o.waitReady(ctx, engine.ContainerName(u.name, n), pn.Image != "", logsReady(plan, pn))
	})
}

// topologySecret is the master secret the running nodes' keys derive
// from, which a node made again must have too: from the networks' labels,
// or from a node's config where an older topo put it there. A topology of
// which none is left gets a new one.
func (o *Orchestrator) topologySecret(ctx context.Context, ob *observed) (string, error) {
	if s, ok := secretFromNetworks(slices.Collect(maps.Values(ob.networks))); ok {
		return s, nil
	}
	for _, node := range sortedKeys(ob.containers) {
		full, err := o.rt.ContainerByName(ctx, ob.containers[node].Name)
		if errors.Is(err, engine.ErrNotFound) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("the topology's key: %w", err)
		}
		if cfg := nodeConfig(full); cfg != nil && cfg.Secret != "" {
			return cfg.Secret, nil
		}
	}
	return newSecret(), nil
}

// idleNotices say which nodes are stopped or paused, which up leaves so.
func idleNotices(name string, idle []string) []string {
	var out []string
	for _, s := range idle {
		node, _, _ := strings.Cut(s, " ")
		out = append(out, fmt.Sprintf("node %s: up leaves it so; `topo node start -t %s %s` starts it", s, name, node))
	}
	return out
}

// removeLateCreate removes a container of this topology that was never
// started and that this run did not make, and says whether it did. An up
// killed while the engine was still making a node leaves one: the engine
// finishes the create after the client is gone, so it may appear after
// this run looked and found the node missing.
func (u *upRun) removeLateCreate(ctx context.Context, name string) bool {
	c, err := u.o.rt.ContainerByName(ctx, name)
	if err != nil || c.State != "created" || c.Labels[engine.LabelTopology] != u.name || c.Labels[engine.LabelRun] == u.runID {
		return false
	}
	return u.o.rt.RemoveContainer(ctx, c.ID) == nil
}
