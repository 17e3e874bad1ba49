package docker

import (
	"context"
	"fmt"
	"slices"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/swarm"
	"github.com/topo-dev/topo/engine"
)

// CreateContainer creates a node's service with no task yet: Swarm starts
// it when StartContainer scales it to one. The image is the local tag, and
// the registry is never asked about it.
func (s *Swarm) CreateContainer(ctx context.Context, spec engine.ContainerSpec) (string, error) {
	op := fmt.Sprintf("create service %q", spec.Name)
	ss, err := serviceSpec(spec, 0)
	if err != nil {
		return "", err
	}
	cctx, cancel := s.c.call(ctx)
	defer cancel()
	resp, err := s.c.api.ServiceCreate(cctx, ss, swarm.ServiceCreateOptions{QueryRegistry: false})
	if err != nil {
		return "", wrap(op, err)
	}
	return resp.ID, nil
}

// StartContainer scales a node's service to one task and waits until the
// task runs, as a started container does; a task that fails to start
// (no host fits its placement, an image missing on its host) is an error
// saying why.
func (s *Swarm) StartContainer(ctx context.Context, id string) error {
	return s.startTask(ctx, id, false)
}

// startTask scales a service to one task, or with force replaces its task,
// and waits until a task it did not have before runs: until Swarm has
// shut the old one down, that one is still meant to run.
func (s *Swarm) startTask(ctx context.Context, id string, force bool) error {
	cctx, cancel := s.c.call(ctx)
	before, err := s.tasks(cctx, []string{id})
	cancel()
	if err != nil {
		return err
	}
	old := map[string]bool{}
	for _, t := range before {
		old[t.ID] = true
	}
	if err := s.scale(ctx, id, 1, force); err != nil {
		return err
	}
	_, err = s.waitTask(ctx, id, old)
	return err
}

// ControlContainer maps the actions on a node onto its service: stop and
// kill scale it to none, start to one, restart replaces its task. Pause
// and unpause act on the task's container through the engine of its host
// (Swarm has no such verb, and keeps a paused task running), as exec does.
func (s *Swarm) ControlContainer(ctx context.Context, id string, action engine.Action) error {
	switch action {
	case engine.ActionStop, engine.ActionKill:
		if err := s.scale(ctx, id, 0, false); err != nil {
			return err
		}
		// As a stopped container, the node is down when this returns.
		return s.poll(ctx, fmt.Sprintf("stop service %q", id), func(ctx context.Context) (bool, error) {
			tasks, err := s.tasks(ctx, []string{id})
			return !slices.ContainsFunc(tasks, func(t swarm.Task) bool { return t.Status.State == swarm.TaskStateRunning }), err
		})
	case engine.ActionStart:
		return s.StartContainer(ctx, id)
	case engine.ActionRestart:
		return s.startTask(ctx, id, true)
	case engine.ActionPause, engine.ActionUnpause:
		c, cid, err := s.taskHost(ctx, id)
		if err != nil {
			return fmt.Errorf("%s %q: %w", action, id, err)
		}
		return c.ControlContainer(ctx, cid, action)
	}
	return fmt.Errorf("service %q: unknown action %q", id, action)
}

// scale sets a service's replicas; force replaces its task even when the
// count does not change.
func (s *Swarm) scale(ctx context.Context, id string, replicas uint64, force bool) error {
	op := fmt.Sprintf("scale service %q to %d", id, replicas)
	cctx, cancel := s.c.call(ctx)
	defer cancel()
	svc, _, err := s.c.api.ServiceInspectWithRaw(cctx, id, swarm.ServiceInspectOptions{})
	if err != nil {
		return wrap(op, err)
	}
	spec := svc.Spec
	spec.Mode.Replicated = &swarm.ReplicatedService{Replicas: &replicas}
	if force {
		spec.TaskTemplate.ForceUpdate++
	}
	_, err = s.c.api.ServiceUpdate(cctx, svc.ID, svc.Version, spec, swarm.ServiceUpdateOptions{QueryRegistry: false})
	return wrap(op, err)
}

// RemoveContainer removes a node's service. Swarm takes its task's
// container down in the background, some 6 s later on this project's
// machine whatever the grace period; RemoveNetwork waits for that, since
// a network goes from a host only after the last container on it, so
// that down waits once for all of a topology's tasks rather than once
// for each.
func (s *Swarm) RemoveContainer(ctx context.Context, id string) error {
	cctx, cancel := s.c.call(ctx)
	defer cancel()
	return wrap(fmt.Sprintf("remove service %q", id), s.c.api.ServiceRemove(cctx, id))
}

// ListContainers lists the nodes' services that carry every label given,
// each as the container of its current task. With no labels it adds the
// engine's own containers, so that a caller looking for what uses an image
// sees plain containers too.
func (s *Swarm) ListContainers(ctx context.Context, labels map[string]string) ([]engine.ContainerInfo, error) {
	cctx, cancel := s.c.call(ctx)
	defer cancel()
	svcs, err := s.c.api.ServiceList(cctx, swarm.ServiceListOptions{Filters: labelFilters(labels)})
	if err != nil {
		return nil, wrap("list services", err)
	}
	out, err := s.infos(cctx, svcs)
	if err != nil || labels != nil {
		return out, err
	}
	local, err := s.c.ListContainers(ctx, nil)
	return append(out, local...), err
}

// ContainerByName returns the service with exactly that name, as the
// container of its current task, with its env and command.
func (s *Swarm) ContainerByName(ctx context.Context, name string) (engine.ContainerInfo, error) {
	op := fmt.Sprintf("service %q", name)
	cctx, cancel := s.c.call(ctx)
	defer cancel()
	svc, _, err := s.c.api.ServiceInspectWithRaw(cctx, name, swarm.ServiceInspectOptions{})
	if err == nil && svc.Spec.Name != name { // an ID or a prefix of one
		err = fmt.Errorf("%w", cerrdefs.ErrNotFound)
	}
	if err != nil {
		return engine.ContainerInfo{}, wrap(op, err)
	}
	infos, err := s.infos(cctx, []swarm.Service{svc})
	if err != nil {
		return engine.ContainerInfo{}, err
	}
	ci := infos[0]
	if cs := svc.Spec.TaskTemplate.ContainerSpec; cs != nil {
		ci.Env, ci.Cmd = cs.Env, cs.Args
	}
	return ci, nil
}

// infos describes services as containers, from one listing of their tasks.
func (s *Swarm) infos(ctx context.Context, svcs []swarm.Service) ([]engine.ContainerInfo, error) {
	if len(svcs) == 0 {
		return []engine.ContainerInfo{}, nil
	}
	ids := make([]string, len(svcs))
	for i, svc := range svcs {
		ids[i] = svc.ID
	}
	tasks, err := s.tasks(ctx, ids)
	if err != nil {
		return nil, err
	}
	nodes, err := s.nodes(ctx)
	if err != nil {
		return nil, err
	}
	current := make([]*swarm.Task, len(svcs))
	for i, svc := range svcs {
		current[i] = currentTask(tasks, svc.ID)
	}
	paused, silent := s.pausedTasks(ctx, current, nodes)
	out := make([]engine.ContainerInfo, len(svcs))
	for i, svc := range svcs {
		t := current[i]
		out[i] = serviceInfo(svc, t)
		if t == nil {
			continue
		}
		n := nodes[t.NodeID]
		out[i].Host = n.Description.Hostname
		out[i].HostDown = n.Status.State != swarm.NodeStateReady || n.Spec.Availability == swarm.NodeAvailabilityDrain || silent[t.NodeID]
		if paused[t.ID] && out[i].State == "running" {
			out[i].State = "paused"
		}
	}
	return out, nil
}

// tasks lists the tasks of the services given (by ID).
func (s *Swarm) tasks(ctx context.Context, serviceIDs []string) ([]swarm.Task, error) {
	f := filters.NewArgs()
	for _, id := range serviceIDs {
		f.Add("service", id)
	}
	tasks, err := s.c.api.TaskList(ctx, swarm.TaskListOptions{Filters: f})
	if err != nil {
		return nil, wrap("list tasks", err)
	}
	return tasks, nil
}

// waitTask waits until the service has a task meant to run, not one of
// old, that runs, and returns it. Such a task that ended, or was refused,
// is an error with Swarm's reason.
func (s *Swarm) waitTask(ctx context.Context, id string, old map[string]bool) (swarm.Task, error) {
	op := fmt.Sprintf("start service %q", id)
	var t *swarm.Task
	err := s.poll(ctx, op, func(ctx context.Context) (bool, error) {
		tasks, err := s.tasks(ctx, []string{id})
		if err != nil {
			return false, err
		}
		t = currentTask(slices.DeleteFunc(tasks, func(t swarm.Task) bool { return old[t.ID] }), id)
		switch {
		case t == nil || t.DesiredState != swarm.TaskStateRunning:
			// The task that replaces an ended one is not there yet.
			return false, nil
		case t.Status.State == swarm.TaskStateRunning:
			return true, nil
		case taskEnded(t.Status.State):
			return false, fmt.Errorf("%s: its task is %s: %s %s", op, t.Status.State, t.Status.Err, t.Status.Message)
		}
		return false, nil
	})
	if err != nil {
		return swarm.Task{}, err
	}
	return *t, nil
}

// poll asks done until it says so, fails, or ctx ends, backing off from
// 50 ms to 500 ms between asks.
func (s *Swarm) poll(ctx context.Context, op string, done func(context.Context) (bool, error)) error {
	for wait := 50 * time.Millisecond; ; wait = min(2*wait, 500*time.Millisecond) {
		ok, err := done(ctx)
		if ok || err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", op, ctx.Err())
		case <-time.After(wait):
		}
	}
}
