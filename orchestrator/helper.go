package orchestrator

import (
	"bytes"
	"context"
	"fmt"

	"github.com/topo-dev/topo/engine"
)

// helperMemory caps a route helper: it sends a few netlink messages.
const helperMemory = 32 << 20

// netnsHelper is a short-lived container that runs the node image's agent
// with args, as root with NET_ADMIN and nothing else, in a node
// container's network namespace. The node itself keeps no capabilities.
func netnsHelper(topology, node, image string, args []string) engine.ContainerSpec {
	container := engine.ContainerName(topology, node)
	return engine.ContainerSpec{
		Name:            container + "-" + args[1], // -routes, -filter
		Image:           image,
		Cmd:             args,
		Labels:          map[string]string{engine.LabelHelper: topology, engine.LabelNode: node},
		User:            "0:0",
		ReadOnlyRoot:    true,
		CapDrop:         []string{"ALL"},
		CapAdd:          []string{"NET_ADMIN"},
		NoNewPrivileges: true,
		MemoryBytes:     helperMemory,
		PidsLimit:       nodePids,
		JoinNetworkOf:   container,
	}
}

// runHelper runs a short-lived helper and fails, with what it said, when
// it does not exit 0.
func (o *Orchestrator) runHelper(ctx context.Context, spec engine.ContainerSpec, what string) error {
	var out bytes.Buffer
	code, err := o.rt.RunToCompletion(ctx, spec, &out, &out)
	if err == nil && code != 0 {
		err = o.helperFailed("the helper", what, code, out.Bytes())
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// agentArgs are an agent command line as a node image container takes it:
// the image's entrypoint is the agent, so its path goes.
func agentArgs(cmd []string) []string { return cmd[1:] }
