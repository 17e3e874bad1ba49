package orchestrator

import (
	"context"
	"fmt"
	"net/netip"
	"slices"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/topology"
)

// stale reports whether a resource that runs was made from another
// version of the file than d: the parts on its topo.spec label differ
// from the plan's, or, made by an older topo without the label, its
// topo.plan hash of the whole file differs. A topology none of whose
// resources is stale is d as far as it runs, and up only completes it.
func (ob *observed) stale(d *Deployment) bool {
	p := d.Plan
	var reach map[string]map[string]netip.Addr
	if p.Routing != topology.RoutingNone {
		reach = p.Reachable()
	}
	for node, c := range ob.containers {
		n, ok := p.Node(node)
		if !ok || !sameParts(c.Labels, nodeParts(p, n, reach), d.Hash) {
			return true
		}
	}
	for seg, net := range ob.networks {
		s, ok := p.Segment(seg)
		if !ok || !sameParts(net.Labels, networkParts(p, s), d.Hash) {
			return true
		}
	}
	return false
}

// sameParts reports whether a resource's labels say it was made from want.
func sameParts(labels map[string]string, want parts, hash string) bool {
	if _, ok := parseParts(labels[engine.LabelSpec]); ok {
		return labels[engine.LabelSpec] == want.String()
	}
	return labels[engine.LabelPlan] == hash
}

// change reads back the plan of what runs and diffs it with d.
func (o *Orchestrator) change(ctx context.Context, d *Deployment, ob *observed) (*Change, error) {
	l, err := o.readLive(ctx, d.Plan.Name)
	if err != nil {
		return nil, err
	}
	r, unlabelled := runningOf(l.plan, ob)
	c := diffPlans(r, d.Plan, diffOptions{fixedAddrs: o.Capabilities().FixedAddresses})
	c.File = d.File
	if c.Empty() && !appliedBefore(ob, d.Hash) {
		why := "it runs from another version of the file, in a way the running resources do not tell"
		if unlabelled {
			why = "it was brought up by an older topo, which did not label what each node was made from, " +
				"and the change is in what the running nodes do not show (env, capabilities, privileges, placement, network.pool or faults)"
		}
		c.Refused = append(c.Refused, why)
	}
	return c, nil
}

// appliedBefore reports whether an up of this version of the file made a
// resource that runs: a topology made by an older topo, one of whose nodes
// an up recreated since, is as the file says where nothing shows otherwise.
func appliedBefore(ob *observed, hash string) bool {
	for _, c := range ob.containers {
		if c.Labels[engine.LabelPlan] == hash {
			return true
		}
	}
	return false
}

// runningOf is what the diff knows of a topology that runs: the plan read
// back, and each resource's parts from its label. A container without one
// gets the parts the plan read back tells; unlabelled says that one had
// none.
func runningOf(p *topology.Plan, ob *observed) (r running, unlabelled bool) {
	r = running{plan: p, nodes: map[string]parts{}, topology: parts{}}
	var reach map[string]map[string]netip.Addr
	if p.Routing != topology.RoutingNone {
		reach = p.Reachable()
	}
	for i := range p.Nodes {
		n := &p.Nodes[i]
		if pt, ok := parseParts(ob.containers[n.Name].Labels[engine.LabelSpec]); ok {
			r.nodes[n.Name] = pt
			continue
		}
		unlabelled = true
		all := nodeParts(p, n, reach)
		r.nodes[n.Name] = parts{partRole: all[partRole], partImage: all[partImage], partCommand: all[partCommand], partWiring: all[partWiring]}
	}
	for _, seg := range sortedKeys(ob.networks) {
		if pt, ok := parseParts(ob.networks[seg].Labels[engine.LabelSpec]); ok {
			r.topology = parts{partPool: pt[partPool], partFaults: pt[partFaults]}
			return r, unlabelled
		}
	}
	return r, true
}

// Preview says what Up of d would do to the topology that runs under its
// name, and creates nothing: the change from the file it runs from, and
// what up would make of a topology that runs in part. It returns nil when
// nothing of the topology runs (Up would create it as planned).
func (o *Orchestrator) Preview(ctx context.Context, d *Deployment) (*Change, error) {
	name := d.Plan.Name
	ob, err := o.observe(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("up %s: %w", name, err)
	}
	if ob.empty() {
		return nil, nil
	}
	if err := ob.sameFile(name, d.File); err != nil {
		return nil, err
	}
	c := &Change{Name: name, File: d.File}
	if ob.stale(d) {
		if c, err = o.change(ctx, d, ob); err != nil {
			return nil, fmt.Errorf("up %s: %w", name, err)
		}
		if !c.Applies() {
			return c, nil
		}
	}
	comp := diff(d.Plan, ob)
	comp.adopt(reconfigurationOf(c, d.Plan, ob))
	c.Refused = append(c.Refused, comp.blocked...)
	c.Completes = comp.lines(name)
	return c, nil
}

// checkNoFaultsOn refuses to recreate nodes under a fault: one stopped or
// paused (a node fault, which recreating would end), or one a fault in
// force on links involves (the packet filters in its network namespace,
// and what its agent was told, would go with its container).
func (o *Orchestrator) checkNoFaultsOn(ctx context.Context, ob *observed, name string, nodes []string) error {
	for _, n := range nodes {
		if st := ob.containers[n].State; st != "running" {
			return fmt.Errorf("up %s: node %s would be recreated, but it is %s, which recreating it would undo; "+
				"`topo node start -t %s %s` starts it, then run up again", name, n, st, name, n)
		}
	}
	if len(nodes) == 0 {
		return nil
	}
	links, _, err := o.faultMarkers(ctx, name)
	if err != nil {
		return err
	}
	for _, f := range links {
		involved := slices.Concat(append([][]string{f.Nodes}, f.Groups...)...)
		for _, n := range nodes {
			if len(involved) == 0 || slices.Contains(involved, n) {
				return fmt.Errorf("up %s: node %s would be recreated, but a fault in force involves it (%s), and would not hold on its new container; "+
					"`topo faults clear -t %s` lifts the faults, then run up again", name, n, f, name)
			}
		}
	}
	return nil
}

// recreate adds nodes to those the completion removes and makes again,
// but for those it makes anyway.
func (c *completion) recreate(nodes []string) {
	for _, n := range nodes {
		if !slices.Contains(c.replace, n) && !slices.Contains(c.create, n) {
			c.replace = append(c.replace, n)
			c.start = slices.DeleteFunc(c.start, func(s string) bool { return s == n })
			c.routes = slices.DeleteFunc(c.routes, func(s string) bool { return s == n })
		}
	}
}

// changeToApply is the change up applies to what runs: an empty one when
// nothing that runs is stale, a ChangeError when up cannot apply it.
func (o *Orchestrator) changeToApply(ctx context.Context, d *Deployment, ob *observed) (*Change, error) {
	name := d.Plan.Name
	if !ob.stale(d) {
		return &Change{Name: name, File: d.File}, nil
	}
	c, err := o.change(ctx, d, ob)
	if err != nil {
		return nil, fmt.Errorf("up %s: %w", name, err)
	}
	if !c.Applies() {
		return nil, &ChangeError{Change: c}
	}
	if err := o.checkNoFaultsOn(ctx, ob, name, c.Recreated()); err != nil {
		return nil, err
	}
	return c, nil
}
