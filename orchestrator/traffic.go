package orchestrator

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
)

// Traffic turns the background traffic of every running agent of a
// topology on or off; messages already under way go on. It returns the
// nodes it reached, in plan order. Turning it off is how a topology comes
// to rest: once nothing is in flight (Status), every message originated is
// delivered or dropped.
func (o *Orchestrator) Traffic(ctx context.Context, name string, on bool) ([]string, error) {
	cs, err := o.containers(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("traffic %s: %w", name, err)
	}
	var agents []engine.ContainerInfo
	for _, c := range cs {
		if c.State == "running" && c.Labels[engine.LabelAgent] == "true" {
			agents = append(agents, c)
		}
	}
	var mu sync.Mutex
	reached := map[string]bool{}
	err = boundedEach(ctx, DefaultMaxWorkers, agents, func(ctx context.Context, c engine.ContainerInfo) error {
		var out, errOut bytes.Buffer
		code, err := o.rt.Exec(ctx, c.ID, agent.TrafficCommand(on), &out, &errOut)
		if err == nil && code != 0 {
			err = fmt.Errorf("exit %d: %s", code, bytes.TrimSpace(errOut.Bytes()))
		}
		if err != nil {
			return fmt.Errorf("node %s: %w", c.Labels[engine.LabelNode], err)
		}
		mu.Lock()
		reached[c.Labels[engine.LabelNode]] = true
		mu.Unlock()
		return nil
	})
	var nodes []string
	for _, c := range agents {
		if reached[c.Labels[engine.LabelNode]] {
			nodes = append(nodes, c.Labels[engine.LabelNode])
		}
	}
	if err != nil {
		return nodes, fmt.Errorf("traffic %s: %w", name, err)
	}
	return nodes, nil
}
