package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/topology"
)

// A Deployment is a topology planned against an engine: the plan, with the
// subnets it takes given the networks that engine has now, and what its
// resources are labelled with. Plan makes one; Apply creates exactly it;
// `topo up --dry-run` prints it.
type Deployment struct {
	// Plan is every network, container, address and route to create.
	Plan *topology.Plan
	// File is the absolute path of the topology file: the topo.file label.
	File string
	// Hash identifies the topology's content: the topo.plan label, which
	// tells a changed file apart from the one running.
	Hash string
	// PoolFixed is true when the file chose its pool, so that a subnet
	// taken meanwhile is the user's to fix rather than a reason to plan again.
	PoolFixed bool
	// Notices say where the engine runs the topology otherwise than one
	// Docker engine would (see forEngine), for the user to read.
	Notices []string

	// replan plans the topology again beside the engine's networks nets.
	replan func(nets []engine.NetworkInfo) (*topology.Plan, error)
}

// String is the plan as `topo validate --plan` prints it.
func (d *Deployment) String() string { return d.Plan.String() }

// PlanOptions adjust Plan.
type PlanOptions struct {
	Name string // overrides the topology's name
	// avoid are subnets the engine refused though no network lists them.
	avoid []netip.Prefix
}

// Plan plans t against the engine: its subnets steer clear of those the
// engine's networks use now. It creates nothing.
func (o *Orchestrator) Plan(ctx context.Context, t *topology.Topology, opts PlanOptions) (*Deployment, error) {
	if t == nil {
		return nil, errors.New("plan: no topology")
	}
	hash := t.Hash() // of the file as written, whatever the engine makes of it
	caps := o.Capabilities()
	t, notices, err := forEngine(t, caps)
	if err != nil {
		return nil, err
	}
	name := opts.Name
	if name == "" {
		name = t.Name
	}
	file, err := filepath.Abs(t.File)
	if err != nil {
		file = t.File
	}
	replan := func(nets []engine.NetworkInfo) (*topology.Plan, error) {
		popts := topology.PlanOptions{Name: opts.Name, EngineAddrs: caps.EngineAddrs, Avoid: slices.Clone(opts.avoid)}
		p, err := planBesideItself(t, name, nets, popts)
		if err != nil {
			return nil, err
		}
		p.File = file // as the topo.file label has it, so that a plan read back is the same
		return p, nil
	}
	nets, err := o.rt.ListNetworks(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	p, err := replan(nets)
	if err != nil {
		return nil, err
	}
	return &Deployment{Plan: p, File: file, Hash: hash, PoolFixed: t.Network.PoolSet, Notices: notices, replan: replan}, nil
}

// planBesideItself plans t beside nets, the engine's networks, so that segments of it that run already keep
// their subnets (topology.PlanOptions.Keep), and the rest steer clear of
// every other network. The topology's own networks are not in its way: a
// plan that avoided them would differ from the one running (and, with a
// pool of the file's, fail as an overlap with itself). A segment that can
// no longer keep its subnet (it grew, or the pool changed) gets another,
// and up says what differs.
func planBesideItself(t *topology.Topology, name string, nets []engine.NetworkInfo, opts topology.PlanOptions) (*topology.Plan, error) {
	opts.Keep = map[string]netip.Prefix{} // by segment
	for _, n := range nets {
		if n.Labels[engine.LabelTopology] == name && len(n.Subnets) > 0 {
			opts.Keep[n.Labels[engine.LabelSegment]] = n.Subnets[0]
			continue
		}
		opts.Avoid = append(opts.Avoid, n.Subnets...)
	}
	return topology.BuildPlan(t, opts)
}

// errStalePlan marks a deployment whose subnets another network took
// after it was planned; Up plans again.
var errStalePlan = fmt.Errorf("a subnet of the plan was taken after planning; plan again: %w", engine.ErrOverlap)

// freshen checks d's subnets against nets, the engine's networks as listed
// under the network lock. A plan that another up overtook since it was made
// is made again here, where no other up on this machine can take a subnet
// before this one's networks exist: planning again outside the lock lands,
// under load, on the networks of whichever up holds it meanwhile.
func (d *Deployment) freshen(nets []engine.NetworkInfo) (*Deployment, error) {
	err := checkSubnetsFree(d, nets)
	if !errors.Is(err, errStalePlan) || d.replan == nil {
		return d, err
	}
	p, err := d.replan(nets)
	if err != nil {
		return d, err
	}
	fresh := *d
	fresh.Plan = p
	return &fresh, checkSubnetsFree(&fresh, nets)
}

// checkSubnetsFree returns errStalePlan when a network of nets overlaps a
// segment of the plan.
func checkSubnetsFree(d *Deployment, nets []engine.NetworkInfo) error {
	for _, s := range d.Plan.Segments {
		for _, n := range nets {
			for _, sub := range n.Subnets {
				if sub.Overlaps(s.Subnet) {
					if d.PoolFixed {
						return fmt.Errorf("segment %s: subnet %s overlaps network %s (%s); choose another network.pool in the file: %w",
							s.Name, s.Subnet, n.Name, sub, engine.ErrOverlap)
					}
					return errStalePlan
				}
			}
		}
	}
	return nil
}

// Subnets are the subnets of every network on the engine now, which a plan
// steers clear of.
func (o *Orchestrator) Subnets(ctx context.Context) ([]netip.Prefix, error) {
	return o.subnetsBesides(ctx, "")
}

// subnetsBesides are the subnets of every network on the engine now but
// those of topology name (none, when name is empty).
func (o *Orchestrator) subnetsBesides(ctx context.Context, name string) ([]netip.Prefix, error) {
	nets, err := o.rt.ListNetworks(ctx, nil)
	if err != nil {
		return nil, err
	}
	var out []netip.Prefix
	for _, n := range nets {
		if name != "" && n.Labels[engine.LabelTopology] == name {
			continue
		}
		out = append(out, n.Subnets...)
	}
	return out, nil
}

func segmentNames(plan *topology.Plan) []string {
	out := make([]string, len(plan.Segments))
	for i, s := range plan.Segments {
		out[i] = s.Name
	}
	return out
}

func nodeNames(plan *topology.Plan) []string {
	out := make([]string, len(plan.Nodes))
	for i, n := range plan.Nodes {
		out[i] = n.Name
	}
	return out
}
