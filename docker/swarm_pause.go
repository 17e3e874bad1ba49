package docker

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/swarm"
	"github.com/topo-dev/topo/engine"
)

// pausedAsk bounds how long the list of a host's paused containers may
// take: status waits for the slowest host, and an engine that does not
// answer within it is taken as a host that is unreachable.
const pausedAsk = 5 * time.Second

// pausedTasks finds which of the running tasks given are paused: Swarm
// reports a paused task as running, so each ready host that runs one, and
// whose engine topo reaches (its own, or EngineLabel's), is asked once for
// its paused task containers, all hosts at once. It returns the IDs of the
// paused tasks, and the swarm nodes whose engine did not answer (a host
// whose engine died before the manager noticed). A host without the label
// is not asked: its tasks read as Swarm reports them.
func (s *Swarm) pausedTasks(ctx context.Context, tasks []*swarm.Task, nodes map[string]swarm.Node) (paused, silent map[string]bool) {
	hosts := map[string]bool{}
	for _, t := range tasks {
		if t != nil && t.Status.State == swarm.TaskStateRunning && nodes[t.NodeID].Status.State == swarm.NodeStateReady {
			hosts[t.NodeID] = true
		}
	}
	paused, silent = map[string]bool{}, map[string]bool{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for id := range hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids, err := s.pausedOn(ctx, nodes[id])
			mu.Lock()
			defer mu.Unlock()
			// A host without the label is not asked (errors.Is
			// ErrUnsupported); one with it that does not answer is silent.
			if err != nil && !errors.Is(err, engine.ErrUnsupported) {
				silent[id] = true
			}
			for _, t := range ids {
				paused[t] = true
			}
		}()
	}
	wg.Wait()
	return paused, silent
}

// pausedOn lists the task IDs of the paused swarm task containers on a
// swarm node's engine, within pausedAsk.
func (s *Swarm) pausedOn(ctx context.Context, n swarm.Node) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, pausedAsk)
	defer cancel()
	c, err := s.hostClient(ctx, n)
	if err != nil {
		return nil, err
	}
	f := filters.NewArgs(filters.Arg("status", "paused"), filters.Arg("label", swarmTaskLabel))
	cs, err := c.api.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		return nil, wrap("list paused tasks", err)
	}
	out := make([]string, 0, len(cs))
	for _, ct := range cs {
		out = append(out, ct.Labels[swarmTaskLabel])
	}
	return out, nil
}

// swarmTaskLabel is the label Swarm puts on a task's container: its task ID.
const swarmTaskLabel = "com.docker.swarm.task.id"
