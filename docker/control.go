package docker

import (
	"context"
	"fmt"

	"github.com/docker/docker/api/types/container"

	"github.com/topo-dev/topo/engine"
)

// stopGrace is how long a stopping node has to say goodbye to its
// neighbours before it is killed.
const stopGrace = 5

// ControlContainer stops, kills, restarts, pauses, unpauses or starts a
// container.
func (c *Client) ControlContainer(ctx context.Context, id string, action engine.Action) error {
	// Each action but pausing joins or leaves the container's networks:
	// see uncut.
	ctx, cancel := c.uncut(ctx)
	defer cancel()
	grace := stopGrace
	var err error
	switch action {
	case engine.ActionStop:
		err = c.api.ContainerStop(ctx, id, container.StopOptions{Timeout: &grace})
	case engine.ActionStart:
		err = c.api.ContainerStart(ctx, id, container.StartOptions{})
	case engine.ActionRestart:
		err = c.api.ContainerRestart(ctx, id, container.StopOptions{Timeout: &grace})
	case engine.ActionKill:
		err = c.api.ContainerKill(ctx, id, "KILL")
	case engine.ActionPause:
		err = c.api.ContainerPause(ctx, id)
	case engine.ActionUnpause:
		err = c.api.ContainerUnpause(ctx, id)
	default:
		return fmt.Errorf("container %q: unknown action %q", id, action)
	}
	return wrap(fmt.Sprintf("%s container %q", action, id), err)
}
