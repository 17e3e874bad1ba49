package orchestrator

import (
	"context"
	"fmt"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
)

// Traffic turns the background traffic of every running agent of a
// topology on or off; messages already under way go on. It returns the
// nodes it turned, in plan order. Turning it off is how a topology comes
// to rest: once nothing is in flight (Status), every message originated is
// delivered or dropped.
func (o *Orchestrator) Traffic(ctx context.Context, name string, on bool) ([]string, error) {
	cs, err := o.containers(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("traffic %s: %w", name, err)
	}
	var agents []engine.ContainerInfo
	for _, c := range cs {
		if runsAgent(c) && !c.HostDown { // a lost host's agents cannot be asked
			agents = append(agents, c)
		}
	}
	err = boundedEach(ctx, DefaultMaxWorkers, agents, func(ctx context.Context, c engine.ContainerInfo) error {
		if err := o.execAgent(ctx, c, agent.TrafficCommand(on)); err != nil {
			return fmt.Errorf("node %s: %w", c.Labels[engine.LabelNode], err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("traffic %s: %w", name, err)
	}
	return nodeLabels(agents), nil
}
