package orchestrator

import (
	"bytes"
	"context"
	"fmt"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/topology"
)

// PhaseRoutes installed each node's IP routes after every container had
// started.
//
// Deprecated: up installs a node's routes in PhaseContainers, as soon as
// its container runs; PhaseRoutes is no longer reported.
const PhaseRoutes Phase = "routes"

// helperMemory caps a route helper: it sends a few netlink messages.
const helperMemory = 32 << 20

// RouteHelper is the short-lived container that installs a node's IP
// routes: the node image's agent, as root with NET_ADMIN and nothing else,
// in the node container's network namespace. The node itself keeps no
// capabilities. ok is false when the node has no routes to install.
func RouteHelper(plan *topology.Plan, node, image string) (spec engine.ContainerSpec, ok bool) {
	n, found := plan.Node(node)
	if !found || len(n.IPRoutes) == 0 && !relays(plan, node) {
		return engine.ContainerSpec{}, false
	}
	routes := make([]agent.Route, len(n.IPRoutes))
	for i, r := range n.IPRoutes {
		routes[i] = agent.Route{To: r.To.String(), Via: r.Via.String()}
	}
	return netnsHelper(plan.Name, node, image, agentArgs(agent.NetnsCommand(routes))), true
}

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

// relays reports whether a node is the next hop of another's host route:
// it forwards packets back out of the LAN they came in on.
func relays(plan *topology.Plan, node string) bool {
	for _, n := range plan.Nodes {
		for _, r := range n.IPRoutes {
			if r.Hop == node && r.To.Bits() == 32 {
				return true
			}
		}
	}
	return false
}

// installRoutes runs a node's route helper, if it has routes to install,
// and fails with what the helper said when it cannot install them.
func (u *upRun) installRoutes(ctx context.Context, node, image string) error {
	spec, ok := RouteHelper(u.d.Plan, node, image)
	if !ok {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	spec.Labels[engine.LabelRun] = u.runID
	// Once started, a helper runs to its end even when up is cancelled:
	// one cut short in its create could appear after the rollback looked,
	// and be left behind. It takes a second or so.
	return u.o.runHelper(uncancelled(ctx), spec, "routes of "+node)
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
