package orchestrator

import (
	"context"
	"fmt"
	"net/netip"
	"strings"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/wiring"
	"github.com/topo-dev/topo/topology"
)

// AppliedPlan reads back the plan a running topology was created from: its
// networks' subnets and labels, and the config each container was handed.
// It never reads the topology file, which may have changed or be gone.
// The pool the subnets came from, and the env and privileges of users'
// images, are not kept where it reads, so they stay empty.
func (o *Orchestrator) AppliedPlan(ctx context.Context, name string) (*topology.Plan, error) {
	l, err := o.readLive(ctx, name)
	if err != nil {
		return nil, err
	}
	return l.plan, nil
}

// live is a running topology as the engine has it: the plan read back, and
// every node's container as inspected once (config, state, link-layer
// addresses), in plan order.
type live struct {
	plan       *topology.Plan
	containers []engine.ContainerInfo
	nodes      []wiring.Running // what each container runs, from its config, in the order of containers
	// fileImp are the file's impairments that agents apply in place of
	// their config's, by node and neighbour: an up changed them in place.
	fileImp map[string]map[string]agent.Impairment
}

// container is a node's inspected container.
func (l *live) container(node string) (engine.ContainerInfo, bool) {
	for _, c := range l.containers {
		if c.Labels[engine.LabelNode] == node {
			return c, true
		}
	}
	return engine.ContainerInfo{}, false
}

// readLive lists a topology's containers and networks and inspects every
// container, once.
func (o *Orchestrator) readLive(ctx context.Context, name string) (*live, error) {
	cs, ns, err := o.existing(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("plan of %s: %w", name, err)
	}
	if len(cs) == 0 {
		return nil, fmt.Errorf("plan of %s: %w; `topo ls` lists the running ones", name, ErrNoTopology)
	}
	sortByOrder(cs, func(c engine.ContainerInfo) map[string]string { return c.Labels })
	sortByOrder(ns, func(n engine.NetworkInfo) map[string]string { return n.Labels })
	segs := make([]wiring.Segment, 0, len(ns))
	for _, n := range ns {
		if len(n.Subnets) == 0 {
			return nil, fmt.Errorf("plan of %s: network %s has no subnet", name, n.Name)
		}
		segs = append(segs, wiring.Segment{Name: n.Labels[engine.LabelSegment], Subnet: n.Subnets[0]})
	}
	nodes := make([]wiring.Running, len(cs))
	idx := make([]int, len(cs))
	for i := range cs {
		idx[i] = i
	}
	err = boundedEach(ctx, DefaultMaxWorkers, idx, func(ctx context.Context, i int) error {
		var err error
		nodes[i], cs[i], err = o.inspectNode(ctx, cs[i])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("plan of %s: %w", name, err)
	}
	st, err := o.readApplied(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("plan of %s: %w", name, err)
	}
	if err := st.configsOf(cs, nodes); err != nil {
		return nil, fmt.Errorf("plan of %s: %w", name, err)
	}
	plan, err := wiring.PlanOf(name, cs[0].Labels[engine.LabelFile], nodes, segs)
	if err != nil {
		return nil, err
	}
	l := &live{plan: plan, containers: cs, nodes: nodes}
	if st != nil {
		l.withImpairments(st.Impairments, st.ImpairFrom)
		if st.Traffic != nil {
			l.plan.Traffic = *st.Traffic
		}
	}
	return l, nil
}

// inspectNode reads a container in full, and from it the node's config,
// image and command.
func (o *Orchestrator) inspectNode(ctx context.Context, c engine.ContainerInfo) (wiring.Running, engine.ContainerInfo, error) {
	full, err := o.rt.ContainerByName(ctx, c.Name)
	if err != nil {
		return wiring.Running{}, c, err
	}
	var cfg *agent.Config
	for _, kv := range full.Env {
		if v, ok := strings.CutPrefix(kv, agent.ConfigEnv+"="); ok {
			if cfg, err = agent.ParseConfig([]byte(v)); err != nil {
				return wiring.Running{}, c, fmt.Errorf("container %s: %w", c.Name, err)
			}
		}
	}
	if cfg == nil {
		return wiring.Running{}, c, fmt.Errorf("container %s has no %s", c.Name, agent.ConfigEnv)
	}
	r := wiring.Running{Config: cfg, Addrs: addrsOf(cfg, full)}
	if c.Labels[engine.LabelAgent] != "true" {
		r.Image, r.Command = full.Image, full.Cmd
	}
	return r, full, nil
}

// addrsOf are the engine's addresses of a container on the segments of
// its config, for a config that names them.
func addrsOf(cfg *agent.Config, c engine.ContainerInfo) map[string]netip.Addr {
	out := map[string]netip.Addr{}
	for _, s := range cfg.Segments {
		if a, ok := c.Networks[engine.NetworkName(cfg.Topology, s.Name)]; ok {
			out[s.Name] = a
		}
	}
	return out
}

// configsOf puts in nodes, read from the containers cs, the configs that
// their agents took as they ran, which the marker keeps: their
// containers' environment still says the ones they were made with.
func (st *appliedState) configsOf(cs []engine.ContainerInfo, nodes []wiring.Running) error {
	if st == nil {
		return nil
	}
	for i, c := range cs {
		r, ok := st.Configs[c.Labels[engine.LabelNode]]
		if !ok || r.ID != c.ID {
			continue
		}
		cfg, err := agent.ParseConfig([]byte(r.Spec))
		if err != nil {
			return fmt.Errorf("marker: config of %s: %w", c.Name, err)
		}
		nodes[i].Config, nodes[i].Addrs = cfg, addrsOf(cfg, c)
	}
	return nil
}
