package orchestrator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/topology"
)

// TraceOptions say what Trace traces.
type TraceOptions struct {
	From, To string        // node names
	MaxHops  int           // 0: 30
	PerHop   time.Duration // how long to wait for each hop's answer; 0: 1s
}

// Trace shows the IP path from one node to another, hop by hop, each hop
// named by the plan, as the node's own software would take it: from
// inside From's network namespace, with no privileges. A node that runs
// topo's agent traces itself; for one that runs a user's image, a helper
// from the node image joins its network namespace, as nobody and with no
// capabilities. A trace that ends short of To says where and why in
// Stop: at the near end of the first link on the way that the faults in
// force cut (traced that far only, so at once), else where an ICMP error
// other than port unreachable came from.
func (o *Orchestrator) Trace(ctx context.Context, name string, opts TraceOptions) (*agent.TraceResult, error) {
	if opts.MaxHops <= 0 {
		opts.MaxHops = 30
	}
	if opts.PerHop <= 0 {
		opts.PerHop = time.Second
	}
	l, err := o.readLive(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	from, err := runningNode(l.containers, name, opts.From)
	if err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	if _, err := findNode(l.containers, name, opts.To); err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	plan := l.plan
	addr, ok := plan.AddrFrom(opts.From, opts.To)
	if !ok {
		return nil, fmt.Errorf("trace: %s does not reach %s along the layout", opts.From, opts.To)
	}
	run := func(maxHops int) (*agent.TraceResult, error) {
		out, err := o.runIn(ctx, from, agent.TraceCommand(addr.String(), maxHops, opts.PerHop))
		if err != nil {
			return nil, fmt.Errorf("trace from %s: %w", opts.From, err)
		}
		var r agent.TraceResult
		if err := json.Unmarshal(bytes.TrimSpace(out), &r); err != nil {
			return nil, fmt.Errorf("trace from %s: %s", opts.From, strings.TrimSpace(string(out)))
		}
		nameHops(&r, plan)
		return &r, nil
	}
	faults, err := o.Faults(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	if cut := cutOnPath(plan, faults, l, opts.From, opts.To); cut != nil && cut.at < opts.MaxHops {
		r, ok, err := stopAtCut(run, addr.String(), cut)
		if err != nil || ok {
			return r, err
		}
	}
	return run(opts.MaxHops)
}

// runIn runs an agent command in a node's network namespace: in the node
// when it runs topo's agent, else in an unprivileged helper that joins it.
// A non-zero exit is not an error: the output says what happened.
func (o *Orchestrator) runIn(ctx context.Context, c engine.ContainerInfo, cmd []string) ([]byte, error) {
	var out, errOut bytes.Buffer
	var err error
	if c.Labels[engine.LabelAgent] == "true" {
		_, err = o.rt.Exec(ctx, c.ID, cmd, &out, &errOut)
	} else {
		image, ierr := o.NodeImage(ctx)
		if ierr != nil {
			return nil, ierr
		}
		spec := engine.ContainerSpec{
			Image: image, Cmd: agentArgs(cmd), JoinNetworkOf: c.ID, User: "65534:65534", ReadOnlyRoot: true,
			CapDrop: []string{"ALL"}, NoNewPrivileges: true, MemoryBytes: helperMemory, PidsLimit: nodePids,
			Labels: map[string]string{engine.LabelHelper: c.Labels[engine.LabelTopology], engine.LabelNode: c.Labels[engine.LabelNode]},
		}
		_, err = o.rt.RunToCompletion(ctx, spec, &out, &errOut)
	}
	if err != nil {
		return nil, err
	}
	if out.Len() == 0 {
		return errOut.Bytes(), nil
	}
	return out.Bytes(), nil
}

// nameHops names each hop by the node that owns its address.
func nameHops(r *agent.TraceResult, plan *topology.Plan) {
	owner := map[string]string{}
	for _, n := range plan.Nodes {
		for _, a := range n.Addresses {
			owner[a.String()] = n.Name
		}
	}
	for i := range r.Hops {
		r.Hops[i].Node = owner[r.Hops[i].Addr]
	}
	if r.Stop != nil && r.Stop.Node == "" {
		r.Stop.Node = owner[r.Stop.Addr]
	}
}
