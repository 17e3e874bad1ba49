package orchestrator

import (
	"context"
	"fmt"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/topology"
)

// Capabilities are what the orchestrator's engine can do.
func (o *Orchestrator) Capabilities() engine.Capabilities { return engine.CapabilitiesOf(o.rt) }

// forEngine fits a topology to an engine that cannot do everything one
// Docker engine does (a swarm), before it is planned. What the file asks
// for and the engine cannot do is an error that says so; the default IP
// routing, which the file did not ask for, is left off with a notice.
// The topology is never changed in place.
func forEngine(t *topology.Topology, caps engine.Capabilities) (*topology.Topology, []string, error) {
	var notices []string
	if !caps.FixedAddresses {
		notices = append(notices, fmt.Sprintf("addresses: %s picks each node's address inside the plan's subnets; nodes find each other by name (<topology>-<segment>-<node>), and status shows the addresses they got", caps.Engine))
	}
	if caps.NetnsHelpers {
		return t, notices, nil
	}
	if len(t.Faults) > 0 {
		f := t.Faults[0]
		return nil, nil, fmt.Errorf("%s:%d:%d: faults: a fault needs a helper container in its nodes' network namespaces, which %s cannot place next to a node on a host whose engine topo cannot reach (docs/multi-host.md); remove faults: from the file or use --engine docker: %w",
			t.File, f.Pos.Line, f.Pos.Col, caps.Engine, engine.ErrUnsupported)
	}
	if t.Network.Routing == topology.RoutingIP {
		if t.Network.RoutingSet {
			return nil, nil, fmt.Errorf("%s: network.routing: ip installs kernel routes from a helper container in each node's network namespace, which %s cannot place next to a node on a host whose engine topo cannot reach (docs/multi-host.md); set network.routing: none or use --engine docker: %w",
				t.File, caps.Engine, engine.ErrUnsupported)
		}
		c := *t
		c.Network.Routing = topology.RoutingNone
		t = &c
		notices = append([]string{fmt.Sprintf("routing: none on %s: the default, ip, needs a helper in each node's network namespace, which %s cannot place; agents still carry messages along the layout (write network.routing: none to say so in the file)", caps.Engine, caps.Engine)}, notices...)
	}
	return t, notices, nil
}

// unsupported fails a command that needs what the engine cannot do.
func (o *Orchestrator) unsupported(what string, ok func(engine.Capabilities) bool) error {
	caps := o.Capabilities()
	if ok(caps) {
		return nil
	}
	return fmt.Errorf("%s needs a helper container in a node's network namespace, which %s cannot place next to a node on a host whose engine topo cannot reach (label each host with topo.engine, docs/multi-host.md); use --engine docker: %w", what, caps.Engine, engine.ErrUnsupported)
}

// needsHelpers is the check of unsupported for netns helpers.
func needsHelpers(c engine.Capabilities) bool { return c.NetnsHelpers }

// withEngineAddresses reads a topology's plan back from what runs, when
// the engine picked its addresses, so that what Up reports holds the
// addresses the nodes really have; else it returns the plan unchanged.
func (o *Orchestrator) withEngineAddresses(ctx context.Context, p *topology.Plan) *topology.Plan {
	if o.Capabilities().FixedAddresses || p == nil {
		return p
	}
	got, err := o.AppliedPlan(ctx, p.Name)
	if err != nil {
		o.log.Warn("cannot read the addresses the engine gave", "topology", p.Name, "err", err)
		return p
	}
	return got
}
