package orchestrator

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator/internal/faults"
	"github.com/topo-dev/topo/topology"
)

// scheduleChanged reports whether the change replaces the fault schedule.
func (c *Change) scheduleChanged() bool {
	return slices.ContainsFunc(c.Operations, func(op Operation) bool { return op.On == OnFaults })
}

// applyInPlace applies what of ch changes without restarting anything,
// once the nodes it recreates run: traffic turned off is turned off in
// every agent that runs, the agents on the links and segments
// whose impairment changed are told the file's new one (as a runtime
// impairment, which a fault in force on the link still replaces), and the
// marker keeps what every resource is now. An up that fails halfway
// leaves the marker as it was, and the next up does it again.
func (u *upRun) applyInPlace(ctx context.Context, ch *Change, image string) error {
	if len(ch.Operations) == 0 {
		return nil
	}
	if slices.ContainsFunc(ch.InPlace(), func(op Operation) bool { return op.On == OnTraffic }) {
		if _, err := u.o.Traffic(ctx, u.name, false); err != nil {
			return err
		}
	}
	if nodes := impairedMembers(u.d.Plan, ch); len(nodes) > 0 {
		l, err := u.o.readLive(ctx, u.name)
		if err != nil {
			return err
		}
		l.withImpairments(impairmentsOf(u.d.Plan), impairFromOf(u.d.Plan))
		fs, _, err := u.o.faultMarkers(ctx, u.name)
		if err != nil {
			return err
		}
		want := faults.ForAgents(l.plan, fs, faults.Down(l.containers), l.fileImp)
		err = boundedEach(ctx, u.opts.MaxWorkers, nodes, func(ctx context.Context, n string) error {
			c, ok := l.container(n)
			if !ok || !runsAgent(c) {
				return nil // a stopped agent is told when it starts (tellBack)
			}
			if err := u.o.execAgent(ctx, c, agent.FaultsCommand(want[n])); err != nil {
				return fmt.Errorf("tell %s of its links' impairments: %w", n, err)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return u.o.writeApplied(ctx, u.d, image, u.configs)
}

// impairedMembers are the nodes, in plan order, on the links and segments
// whose impairment the change changes in place.
func impairedMembers(p *topology.Plan, ch *Change) []string {
	on := map[string]bool{}
	for _, op := range ch.InPlace() {
		switch op.On {
		case OnLink:
			for _, n := range strings.Split(op.Name, "–") {
				on[n] = true
			}
		case OnSegment:
			if s, ok := p.Segment(op.Name); ok {
				for _, n := range s.Members {
					on[n] = true
				}
			}
		}
	}
	var out []string
	for _, n := range p.Nodes {
		if on[n.Name] {
			out = append(out, n.Name)
		}
	}
	return out
}

// hideFileImpairments blanks, in st, the fault an agent reports on a link
// that carries the file's impairment as a runtime one (an up changed it in
// place), where no fault in force impairs the link: a topology changed in
// place reads as one brought up from the file. The agent words it as
// node/faults.go's faultText does.
func (o *Orchestrator) hideFileImpairments(ctx context.Context, name string, st *Status) error {
	if a, err := o.readApplied(ctx, name); err != nil || a == nil {
		return err
	}
	l, err := o.readLive(ctx, name)
	if err != nil {
		return err
	}
	impaired, all := map[faults.Pair]bool{}, false
	for _, f := range st.Faults {
		switch {
		case f.Kind != FaultImpair:
		case len(f.Nodes) == 2:
			impaired[faults.PairOf(f.Nodes[0], f.Nodes[1])] = true
		default:
			all = true
		}
	}
	for i := range st.Nodes {
		n := &st.Nodes[i]
		for j := range n.Links {
			lk := &n.Links[j]
			imp, ok := l.fileImp[n.Name][lk.Neighbor]
			if ok && !all && !impaired[faults.PairOf(n.Name, lk.Neighbor)] && lk.Fault == "impaired: "+imp.String() {
				lk.Fault = ""
			}
		}
	}
	return nil
}

// keepTrafficOff turns off the background traffic of the agents among
// nodes, just started again, whose config has an interval where the
// file's is 0: an up turned it off in place since they were made.
func (o *Orchestrator) keepTrafficOff(ctx context.Context, l *live, nodes []string) error {
	if l.plan.Traffic.Interval != 0 {
		return nil
	}
	for i, c := range l.containers {
		cfg := l.nodes[i].Config
		if !slices.Contains(nodes, c.Labels[engine.LabelNode]) || !runsAgent(c) || cfg == nil || cfg.Traffic.Interval == 0 {
			continue
		}
		if err := o.execAgent(ctx, c, agent.TrafficCommand(false)); err != nil {
			return fmt.Errorf("turn off %s's traffic: %w", cfg.Name, err)
		}
	}
	return nil
}
