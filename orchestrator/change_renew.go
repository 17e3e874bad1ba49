package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"strings"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/topology"
)

// A node that stays through a change in place and loses a segment is
// detached from the segment's network, which goes. Its container still
// carries, in TOPO_NODE_CONFIG, the config it was made with, which names
// that segment: an agent started again from it would wait for an address
// it no longer has, then die. The engine cannot change a container's env,
// so such a node, started again, is made again instead (renew): the same
// container as up would make it now, with the config its agent took as it
// ran (the marker keeps it) and the labels it had. Its counters start over,
// as they would in a restart; its log before the restart goes with the old
// container. A user's image reads no config at start, and starts as it is.

// checkWired refuses to start a node that is not on its networks as
// planned: its agent could not reach its neighbours, nor its route helper
// install its routes, and it would die saying "network is unreachable".
// renew says the node is wired as the config it took in a change in place
// says, but runs an agent that would start from the config it was made
// with: it is made again instead (renew).
func (o *Orchestrator) checkWired(ctx context.Context, c engine.ContainerInfo, action engine.Action) (renew bool, err error) {
	if action != engine.ActionStart && action != engine.ActionRestart {
		return false, nil
	}
	full, err := o.rt.ContainerByName(ctx, c.Name)
	if err != nil {
		return false, err
	}
	cfg := nodeConfig(full)
	if cfg == nil {
		return false, nil
	}
	bad := miswired(cfg.Topology, segmentAddrs(cfg), full)
	if len(bad) == 0 {
		return false, nil
	}
	if st, err := o.readApplied(ctx, cfg.Topology); err == nil && st != nil && st.Configs[cfg.Name].ID == full.ID {
		if now := st.configOf(full); len(miswired(cfg.Topology, segmentAddrs(now), full)) == 0 {
			return runsAgent(full), nil
		}
		return false, fmt.Errorf("node %s's container was made with a config that a change in place made old: it is %s, which its agent "+
			"would wait for when it starts; `topo down %s && topo up %s` starts the topology afresh",
			cfg.Name, strings.Join(bad, ", "), cfg.Topology, c.Labels[engine.LabelFile])
	}
	return false, fmt.Errorf("node %s is %s (changed outside topo), so it cannot reach its neighbours; "+
		"`docker network connect --ip ADDRESS NETWORK %s` puts it back, or `topo up %s` recreates it",
		cfg.Name, strings.Join(bad, ", "), c.Name, c.Labels[engine.LabelFile])
}

// segmentAddrs are a config's addresses, by segment.
func segmentAddrs(cfg *agent.Config) map[string]string {
	out := map[string]string{}
	for _, s := range cfg.Segments {
		out[s.Name] = s.Addr
	}
	return out
}

// renew makes a node's container again, as up would make it from the plan
// that runs, with the config its agent took as it ran, and starts it; it
// returns the new container's ID.
func (o *Orchestrator) renew(ctx context.Context, name, node string) (string, error) {
	l, err := o.readLive(ctx, name)
	if err != nil {
		return "", err
	}
	st, err := o.readApplied(ctx, name)
	if err != nil {
		return "", err
	}
	old, ok := l.container(node)
	if !ok || st == nil || st.Configs[node].ID != old.ID {
		return "", fmt.Errorf("node %s: no config taken in place to make it again with", node)
	}
	spec, err := renewedSpec(l.plan, node, old, st)
	if err != nil {
		return "", err
	}
	if err := o.rt.RemoveContainer(ctx, old.ID); err != nil && !errors.Is(err, engine.ErrNotFound) {
		return "", fmt.Errorf("remove %s to make it again: %w", old.Name, err)
	}
	id, err := o.rt.CreateContainer(ctx, spec)
	if err != nil {
		return "", fmt.Errorf("make %s again: %w", spec.Name, err)
	}
	if err := o.rt.StartContainer(ctx, id); err != nil {
		return id, fmt.Errorf("start %s: %w", spec.Name, err)
	}
	return id, nil
}

// renewedSpec is the container a node is made again as: what Specs makes
// of p for it, with the config its agent took in place, and the labels of
// the container it replaces (the marker's topo.spec where it has one).
func renewedSpec(p *topology.Plan, node string, old engine.ContainerInfo, st *appliedState) (engine.ContainerSpec, error) {
	n, ok := p.Node(node)
	if !ok {
		return engine.ContainerSpec{}, fmt.Errorf("node %s is not in the plan that runs", node)
	}
	var reach map[string]netip.Addr
	if p.Routing != topology.RoutingNone {
		reach = p.Reachable()[node]
	}
	spec, err := containerSpec(p, n, SpecOptions{Image: old.Image}, reach)
	if err != nil {
		return engine.ContainerSpec{}, err
	}
	for i, kv := range spec.Env {
		if strings.HasPrefix(kv, agent.ConfigEnv+"=") {
			spec.Env[i] = agent.ConfigEnv + "=" + st.Configs[node].Spec
		}
	}
	spec.Labels = maps.Clone(old.Labels)
	if r, ok := st.Containers[node]; ok && r.ID == old.ID {
		spec.Labels[engine.LabelSpec] = r.Spec
	}
	return spec, nil
}
