package orchestrator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/netip"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/wiring"
	"github.com/topo-dev/topo/topology"
)

// A change applied in place (an impairment, the fault schedule) leaves
// resources whose labels, fixed when they were made, no longer say what
// they are, and agents whose configs, read once at start, say the old
// impairment. Labels being topo's only state, what each such resource is
// now is kept on a marker: a container created and never started, as the
// markers of faults are, which down removes with the topology's helpers.

// appliedState is what the marker keeps.
type appliedState struct {
	// Containers and Networks are the topo.spec each changed resource
	// would have if made from the file now, by node and by segment; an
	// entry holds for the resource of that ID alone, so that a container
	// made again (which has the label of its own) is read by its label.
	Containers map[string]appliedResource `json:"containers,omitempty"`
	Networks   map[string]appliedResource `json:"networks,omitempty"`
	// Configs are the agent configs (JSON) of the nodes that took a new
	// one as they ran, by node, for the container of that ID: its
	// TOPO_NODE_CONFIG still says the one it was made with.
	Configs map[string]appliedResource `json:"configs,omitempty"`
	// Impairments are the file's impairment of every segment, as applied.
	Impairments map[string]agent.Impairment `json:"impairments,omitempty"`
	// ImpairFrom is, by segment, the one end whose frames its impairment
	// holds for (a `from:` the file changed in place). Always written, so
	// that an empty one (no link impaired one way) is told from a marker
	// of an older topo, which had none: the agents' configs say it then.
	ImpairFrom map[string]string `json:"impair_from"`
	// Traffic is the file's background traffic: turned off in place, its
	// interval is 0 where the agents' configs say another.
	Traffic *topology.Traffic `json:"traffic,omitempty"`
}

type appliedResource struct {
	ID   string `json:"id"`
	Spec string `json:"spec"`
}

// appliedName is the marker's container: a node's name cannot start with
// a dash, so no node's container takes it.
func appliedName(topology string) string { return topology + "--applied" }

// readApplied reads a topology's marker of changes applied in place; nil
// when there is none.
func (o *Orchestrator) readApplied(ctx context.Context, name string) (*appliedState, error) {
	ms, err := o.rt.ListContainers(ctx, map[string]string{engine.LabelHelper: name, engine.LabelApplied: ""})
	if err != nil || len(ms) == 0 {
		return nil, err
	}
	return parseApplied(ms[0])
}

// parseApplied reads the marker's label.
func parseApplied(m engine.ContainerInfo) (*appliedState, error) {
	var st appliedState
	if err := json.Unmarshal([]byte(m.Labels[engine.LabelApplied]), &st); err != nil {
		return nil, fmt.Errorf("marker %s: %w", m.Name, err)
	}
	return &st, nil
}

// specOf is the topo.spec a resource is read by: the marker's, for the
// resource it names, else its own label.
func specOf(entries map[string]appliedResource, key, id string, labels map[string]string) map[string]string {
	r, ok := entries[key]
	if !ok || r.ID != id || labels[engine.LabelSpec] == r.Spec {
		return labels
	}
	out := maps.Clone(labels)
	out[engine.LabelSpec] = r.Spec
	return out
}

// apply makes ob read each resource the marker names as what it is now.
func (st *appliedState) apply(ob *observed) {
	if st == nil {
		return
	}
	for n, c := range ob.containers {
		c.Labels = specOf(st.Containers, n, c.ID, c.Labels)
		ob.containers[n] = c
	}
	for s, net := range ob.networks {
		net.Labels = specOf(st.Networks, s, net.ID, net.Labels)
		ob.networks[s] = net
	}
}

// writeApplied makes the marker say what of the topology that runs differs
// from its labels once d is applied: it is removed when nothing does.
// configs are the configs agents just took as they ran (by node); those
// the marker had are kept for the containers that still run.
func (o *Orchestrator) writeApplied(ctx context.Context, d *Deployment, image string, configs map[string]appliedResource) error {
	name, p := d.Plan.Name, d.Plan
	cs, ns, err := o.existing(ctx, name)
	if err != nil {
		return err
	}
	old, err := o.readApplied(ctx, name)
	if err != nil {
		return err
	}
	var reach map[string]map[string]netip.Addr
	if p.Routing != topology.RoutingNone {
		reach = p.Reachable()
	}
	st := appliedState{Containers: map[string]appliedResource{}, Networks: map[string]appliedResource{}, Configs: map[string]appliedResource{}}
	for _, c := range cs {
		node := c.Labels[engine.LabelNode]
		if cfg, ok := configs[node]; ok && cfg.ID == c.ID {
			st.Configs[node] = cfg
		} else if old != nil && old.Configs[node].ID == c.ID {
			st.Configs[node] = old.Configs[node]
		}
		if n, ok := p.Node(node); ok {
			if want := nodeParts(p, n, reach).String(); c.Labels[engine.LabelSpec] != want {
				st.Containers[node] = appliedResource{ID: c.ID, Spec: want}
			}
		}
	}
	for _, net := range ns {
		seg := net.Labels[engine.LabelSegment]
		if s, ok := p.Segment(seg); ok {
			if want := networkParts(p, s).String(); net.Labels[engine.LabelSpec] != want {
				st.Networks[seg] = appliedResource{ID: net.ID, Spec: want}
			}
		}
	}
	if err := o.rt.RemoveContainer(ctx, appliedName(name)); err != nil && !errors.Is(err, engine.ErrNotFound) {
		return fmt.Errorf("marker of what changed in place: %w", err)
	}
	if len(st.Containers)+len(st.Networks)+len(st.Configs) == 0 {
		return nil
	}
	st.Impairments, st.ImpairFrom, st.Traffic = impairmentsOf(p), impairFromOf(p), &p.Traffic
	js, err := json.Marshal(st)
	if err != nil {
		return err
	}
	spec := engine.ContainerSpec{Name: appliedName(name), Hostname: "applied", Image: image,
		CapDrop: []string{"ALL"}, NoNewPrivileges: true, ReadOnlyRoot: true, MemoryBytes: helperMemory, PidsLimit: nodePids,
		Labels: map[string]string{engine.LabelHelper: name, engine.LabelApplied: string(js)}}
	if _, err := o.rt.CreateContainer(ctx, spec); err != nil {
		return fmt.Errorf("marker of what changed in place: %w", err)
	}
	return nil
}

// impairmentsOf is every segment's impairment in p, as the agents apply it.
func impairmentsOf(p *topology.Plan) map[string]agent.Impairment {
	out := map[string]agent.Impairment{}
	for _, s := range p.Segments {
		out[s.Name] = agentImpairment(s.Impairment)
	}
	return out
}

// impairFromOf is, by segment, the end a one-way impairment holds for.
func impairFromOf(p *topology.Plan) map[string]string {
	out := map[string]string{}
	for _, s := range p.Segments {
		if f := impairFrom(s); f != "" {
			out[s.Name] = f
		}
	}
	return out
}

func agentImpairment(i topology.Impairment) agent.Impairment {
	return agent.Impairment{Delay: agent.Duration(i.Delay), Jitter: agent.Duration(i.Jitter), Loss: i.Loss, Rate: i.Rate}
}

// withImpairments makes the segments of l's plan impaired as imps says
// (where it names them), and works out which agents apply, on a link,
// another impairment than their config's: each must be told the file's
// (fileImpairments). from, when not nil, says the one end each segment's
// impairment holds for (none: both).
func (l *live) withImpairments(imps map[string]agent.Impairment, from map[string]string) {
	for i := range l.plan.Segments {
		s := &l.plan.Segments[i]
		if imp, ok := imps[s.Name]; ok {
			s.Impairment = topology.Impairment{Delay: imp.Delay.D(), Jitter: imp.Jitter.D(), Loss: imp.Loss, Rate: imp.Rate}
		}
		if from != nil {
			s.ImpairFrom = from[s.Name]
		}
	}
	l.fileImp = fileImpairments(l.plan, l.nodes, l.containers)
}

// fileImpairments are, for each agent, by neighbour, the file's impairment
// of the segment they share where the agent's config says another: an up
// changed it in place since the agent started.
func fileImpairments(p *topology.Plan, nodes []wiring.Running, cs []engine.ContainerInfo) map[string]map[string]agent.Impairment {
	out := map[string]map[string]agent.Impairment{}
	for i, r := range nodes {
		if i >= len(cs) || cs[i].Labels[engine.LabelAgent] != "true" || r.Config == nil {
			continue
		}
		had := map[string]agent.Impairment{}
		for _, s := range r.Config.Segments {
			had[s.Name] = s.Impairment
		}
		for _, nb := range r.Config.Neighbors {
			s, ok := p.Segment(nb.Segment)
			if !ok {
				continue
			}
			var want agent.Impairment // a link impaired one way: the other end sends unimpaired
			if f := impairFrom(*s); f == "" || f == r.Config.Name {
				want = agentImpairment(s.Impairment)
			}
			if want != had[nb.Segment] {
				if out[r.Config.Name] == nil {
					out[r.Config.Name] = map[string]agent.Impairment{}
				}
				out[r.Config.Name][nb.Name] = want
			}
		}
	}
	return out
}
