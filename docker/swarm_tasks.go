package docker

import (
	"context"
	"fmt"
	"io"
	"net/netip"

	"github.com/docker/docker/api/types/swarm"
	"github.com/topo-dev/topo/engine"
)

// currentTask is the task that stands for a service's container: the
// newest one Swarm wants running, else the newest of all; nil when the
// service never had one.
func currentTask(tasks []swarm.Task, serviceID string) *swarm.Task {
	var best *swarm.Task
	better := func(t *swarm.Task) bool {
		if best == nil {
			return true
		}
		wantT, wantB := t.DesiredState == swarm.TaskStateRunning, best.DesiredState == swarm.TaskStateRunning
		if wantT != wantB {
			return wantT
		}
		return t.Meta.CreatedAt.After(best.Meta.CreatedAt)
	}
	for i := range tasks {
		if t := &tasks[i]; t.ServiceID == serviceID && better(t) {
			best = t
		}
	}
	return best
}

// taskEnded reports whether a task is done for good.
func taskEnded(s swarm.TaskState) bool {
	switch s {
	case swarm.TaskStateComplete, swarm.TaskStateShutdown, swarm.TaskStateFailed,
		swarm.TaskStateRejected, swarm.TaskStateOrphaned, swarm.TaskStateRemove:
		return true
	}
	return false
}

// taskContainerState names a task's state as a container's: created
// until it runs, running, exited once it ended.
func taskContainerState(t *swarm.Task) string {
	switch {
	case t == nil:
		return "created"
	case t.Status.State == swarm.TaskStateRunning:
		return "running"
	case taskEnded(t.Status.State):
		return "exited"
	}
	return "created"
}

// serviceInfo describes a service as the container of its task t (nil:
// none yet): the service's name, ID and labels, the task's state, exit
// code and addresses.
func serviceInfo(svc swarm.Service, t *swarm.Task) engine.ContainerInfo {
	ci := engine.ContainerInfo{
		ID:       svc.ID,
		Name:     svc.Spec.Name,
		Labels:   svc.Spec.Labels,
		Created:  svc.Meta.CreatedAt,
		State:    taskContainerState(t),
		Networks: map[string]netip.Addr{},
	}
	if cs := svc.Spec.TaskTemplate.ContainerSpec; cs != nil {
		ci.Image = cs.Image
	}
	if t == nil {
		return ci
	}
	if cs := t.Status.ContainerStatus; cs != nil {
		ci.ExitCode = cs.ExitCode
	}
	if ci.State != "running" {
		return ci // an ended task's addresses are free for others
	}
	for _, na := range t.NetworksAttachments {
		for _, a := range na.Addresses {
			if p, err := netip.ParsePrefix(a); err == nil {
				ci.Networks[na.Network.Spec.Name] = p.Addr()
			}
		}
	}
	return ci
}

// localTask finds the running task of a service (its ID or name) and
// returns its container's ID when it runs on the engine we talk to. A
// task on another host is an error that names the host: exec and logs of
// a container go through the engine that runs it.
func (s *Swarm) localTask(ctx context.Context, id string) (string, error) {
	cctx, cancel := s.c.call(ctx)
	defer cancel()
	svc, _, err := s.c.api.ServiceInspectWithRaw(cctx, id, swarm.ServiceInspectOptions{})
	if err != nil {
		return "", wrap(fmt.Sprintf("service %q", id), err)
	}
	tasks, err := s.tasks(cctx, []string{svc.ID})
	if err != nil {
		return "", err
	}
	t := currentTask(tasks, svc.ID)
	if t == nil || t.Status.State != swarm.TaskStateRunning || t.Status.ContainerStatus == nil {
		return "", fmt.Errorf("service %s: %w (it is %s)", svc.Spec.Name, errNoTask, taskContainerState(t))
	}
	if t.NodeID != s.nodeID {
		host := t.NodeID
		if n, _, err := s.c.api.NodeInspectWithRaw(cctx, t.NodeID); err == nil {
			host = n.Description.Hostname
		}
		return "", fmt.Errorf("service %s runs on swarm host %s, and topo execs only in tasks on the host it talks to; "+
			"run the command with DOCKER_HOST set to %s's engine: %w", svc.Spec.Name, host, host, engine.ErrUnsupported)
	}
	return t.Status.ContainerStatus.ContainerID, nil
}

// Exec runs a command in a node's task, on this host. The task is a
// container of this host's engine, so input and a terminal work as they do
// there.
func (s *Swarm) Exec(ctx context.Context, id string, cmd []string, stdout, stderr io.Writer, in ...engine.ExecInput) (int, error) {
	cid, err := s.localTask(ctx, id)
	if err != nil {
		return -1, fmt.Errorf("exec %q in %q: %w", cmd, id, err)
	}
	return s.c.Exec(ctx, cid, cmd, stdout, stderr, in...)
}

// Logs streams a node's service log, from every task on any host, merged
// by the manager, as lines.
func (s *Swarm) Logs(ctx context.Context, id string, opts engine.LogOptions) (io.ReadCloser, error) {
	op := fmt.Sprintf("logs of service %q", id)
	// The stream outlives this call, so it gets no timeout of its own.
	sctx, stop := context.WithCancel(ctx)
	rc, err := s.c.api.ServiceLogs(sctx, id, logsOptions(opts))
	if err != nil {
		stop()
		return nil, wrap(op, err)
	}
	return demuxLines(ctx, sctx, stop, op, rc), nil
}
