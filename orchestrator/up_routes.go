package orchestrator

import (
	"context"

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

// routes installs the routes of every node once all run, on an engine
// that picks addresses (routeAll). Once started, helpers run to their end
// even when up is cancelled (see installRoutes).
func (u *upRun) routes(ctx context.Context, image string) error {
	rctx, cancel := uncancelled(ctx)
	defer cancel()
	return u.o.routeAll(rctx, u.name, image, u.runID)
}

// routeAll installs the routes of every node that runs, from the plan read
// back from what runs, and names its peers in its hosts file (nameAll), on
// an engine that picks addresses (a swarm): there a node's next hops are
// known only once they run. Elsewhere it does
// nothing, each node's routes having gone in as it started.
func (o *Orchestrator) routeAll(ctx context.Context, name, image, runID string) error {
	if o.Capabilities().FixedAddresses {
		return nil
	}
	l, err := o.readLive(ctx, name)
	if err != nil {
		return err
	}
	nodes := runningNodes(l)
	if err := o.installRoutesOf(ctx, l, image, nodes, runID); err != nil {
		return err
	}
	return o.nameAll(ctx, l, nodes, image, runID)
}

// installRoutesOf runs the route helpers of nodes, from the plan of l, each
// labelled with runID when it is given (an up's, for its rollback).
func (o *Orchestrator) installRoutesOf(ctx context.Context, l *live, image string, nodes []string, runID string) error {
	return boundedEach(ctx, DefaultMaxWorkers, nodes, func(ctx context.Context, n string) error {
		spec, ok := RouteHelper(l.plan, n, image)
		if !ok {
			return nil
		}
		if runID != "" {
			spec.Labels[engine.LabelRun] = runID
		}
		return o.runHelper(ctx, spec, "routes of "+n)
	})
}

// runningNodes are the nodes of l whose containers run.
func runningNodes(l *live) []string {
	var out []string
	for _, c := range l.containers {
		if c.State == "running" {
			out = append(out, c.Labels[engine.LabelNode])
		}
	}
	return out
}

// installRoutes runs a node's route helper, if it has routes to install,
// and fails with what the helper said when it cannot install them.
func (u *upRun) installRoutes(ctx context.Context, node, image string) error {
	if !u.o.Capabilities().FixedAddresses {
		return nil // the next hops' addresses are known once they run: routeAll
	}
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
	rctx, cancel := uncancelled(ctx)
	defer cancel()
	return u.o.runHelper(rctx, spec, "routes of "+node)
}

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
