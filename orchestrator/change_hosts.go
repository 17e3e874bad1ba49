package orchestrator

import (
	"context"
	"net/netip"
	"slices"
	"strings"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/topology"
)

// A node's /etc/hosts names every other node it reaches (hosts, routing
// ip), as the engine wrote it from the node's ExtraHosts when it made the
// container. A change in place adds and removes nodes that the nodes that
// stay must then find by name, and not find: their hosts files are
// rewritten as a fresh up would write them.
//
// How: a hosts helper, the one short-lived helper mechanism (the node
// image's agent, see netnsHelper), which has the node's hosts file mounted
// (engine.ContainerSpec.HostsOf) and rewrites it in place, as root with no
// capability at all (the file belongs to root). Measured on Docker 20.10,
// the alternatives fail: the engine's copy into a container refuses an
// agent's read-only root ("container rootfs is marked read-only") and
// cannot replace a mounted file in a user's image ("unlinkat /etc/hosts:
// device or resource busy"); the agent, which runs as nobody, cannot write
// a file of root's, and a user's image runs no agent. The helper works
// for both, needs no shell in the node, and leaves the node without
// capabilities.
//
// The engine writes the file again from the container's ExtraHosts each
// time the container starts: a node started again after a change in place
// gets its hosts file rewritten again (giveBackConfigs).

// hostsHelper is the helper that makes a node's hosts file name what hosts
// of p says for it; the lines of every other node of p, and those of the
// names in gone (the nodes a change removed), go.
func hostsHelper(p *topology.Plan, reach map[string]map[string]netip.Addr, node, image string, gone []string) engine.ContainerSpec {
	var drop []string
	for _, n := range p.Nodes {
		if n.Name != node {
			drop = append(drop, n.Name, engine.ContainerName(p.Name, n.Name))
		}
	}
	for _, n := range gone {
		drop = append(drop, n, engine.ContainerName(p.Name, n))
	}
	container := engine.ContainerName(p.Name, node)
	return engine.ContainerSpec{
		Name:            container + "-hosts",
		Image:           image,
		Cmd:             agentArgs(agent.HostsCommand(engine.HostsMount, drop, hosts(p, reach[node]))),
		Labels:          map[string]string{engine.LabelHelper: p.Name, engine.LabelNode: node},
		User:            "0:0",
		ReadOnlyRoot:    true,
		CapDrop:         []string{"ALL"},
		NoNewPrivileges: true,
		MemoryBytes:     helperMemory,
		PidsLimit:       nodePids,
		HostsOf:         container,
	}
}

// rewriteHosts rewrites the hosts files of nodes, which run, as p says
// (gone: the names of nodes no longer in p), on an engine that makes
// /etc/hosts from fixed addresses; routing none writes no entries, and
// leaves them.
func (o *Orchestrator) rewriteHosts(ctx context.Context, p *topology.Plan, nodes, gone []string, image, runID string) error {
	if p.Routing == topology.RoutingNone || !o.Capabilities().FixedAddresses || len(nodes) == 0 {
		return nil
	}
	if image == "" {
		var err error
		if image, err = o.NodeImage(ctx); err != nil {
			return err
		}
	}
	return o.runHostsHelpers(ctx, p, nodes, gone, image, runID)
}

// runHostsHelpers runs the hosts helpers of nodes, from p, each labelled
// with runID when it is given.
func (o *Orchestrator) runHostsHelpers(ctx context.Context, p *topology.Plan, nodes, gone []string, image, runID string) error {
	reach := p.Reachable()
	return boundedEach(ctx, DefaultMaxWorkers, nodes, func(ctx context.Context, n string) error {
		spec := hostsHelper(p, reach, n, image, gone)
		if runID != "" {
			spec.Labels[engine.LabelRun] = runID
		}
		hctx, cancel := uncancelled(ctx)
		defer cancel()
		return o.runHelper(hctx, spec, "hosts file of "+n)
	})
}

// nameAll makes the hosts files of nodes, which run, name every node they
// reach at the address the engine gave it, on an engine that picks
// addresses (a swarm): there a node is made with the entries of the plan's
// addresses, which are not the ones it got, and a node that starts again
// comes back at a new one, which every other's file names. l is the plan
// read back from what runs. Seen on a swarm of three engines before: node2 dialled node3 by
// name at its address from before its restart.
func (o *Orchestrator) nameAll(ctx context.Context, l *live, nodes []string, image, runID string) error {
	if l.plan.Routing == topology.RoutingNone || o.Capabilities().FixedAddresses || len(nodes) == 0 {
		return nil
	}
	if image == "" { // a topology of users' images alone: up did not need it
		var err error
		if image, err = o.NodeImage(ctx); err != nil {
			return err
		}
	}
	return o.runHostsHelpers(ctx, l.plan, nodes, nil, image, runID)
}

// rewriteHostsAtStart rewrites, as the plan of l says, the hosts files of
// nodes just started again whose containers a change in place left with
// other hosts than the plan's: the engine wrote theirs again from the
// entries they were made with, whose names go.
func (o *Orchestrator) rewriteHostsAtStart(ctx context.Context, l *live, nodes []string) error {
	if l.plan.Routing == topology.RoutingNone {
		return nil
	}
	reach := l.plan.Reachable()
	var stale, gone []string
	for _, c := range l.containers {
		n := c.Labels[engine.LabelNode]
		if !slices.Contains(nodes, n) || c.State != "running" || slices.Equal(c.ExtraHosts, hosts(l.plan, reach[n])) {
			continue
		}
		stale = append(stale, n)
		for _, h := range c.ExtraHosts {
			name, _, _ := strings.Cut(h, ":")
			gone = append(gone, name)
		}
	}
	return o.rewriteHosts(ctx, l.plan, stale, gone, "", "")
}
