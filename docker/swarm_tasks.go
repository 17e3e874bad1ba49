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
	ci.MACs = map[string]string{}
	for _, na := range t.NetworksAttachments {
		for _, a := range na.Addresses {
			if p, err := netip.ParsePrefix(a); err == nil {
				ci.Networks[na.Network.Spec.Name] = p.Addr()
				ci.MACs[na.Network.Spec.Name] = overlayMAC(p.Addr())
			}
		}
	}
	return ci
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
