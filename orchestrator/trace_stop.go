package orchestrator

import (
	"fmt"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator/internal/faults"
	"github.com/topo-dev/topo/topology"
)

// traceCut is where the faults in force stop a trace along the plan's
// path: after hop at (0: the source itself), whose node is node, for why.
type traceCut struct {
	at   int
	node string
	why  string
}

// cutOnPath finds the first link on the plan's path from one node to
// another that the faults in force cut, or whose far node does not run.
// A trace across it would wait for probes that a packet filter drops
// until the near node gives up on its neighbour (seconds), and the near
// node's late "host unreachable" would read as a loop; knowing the cut,
// the trace stops at the near node, at once, and says why.
func cutOnPath(plan *topology.Plan, fs []Fault, l *live, from, to string) *traceCut {
	path, ok := plan.Path(from, to)
	if !ok {
		return nil
	}
	pfs := faults.PairFaults(plan, fs)
	state := map[string]string{}
	for _, c := range l.containers {
		state[c.Labels[engine.LabelNode]] = c.State
	}
	for i := 0; i+1 < len(path); i++ {
		a, b := path[i], path[i+1]
		switch cut := pfs[faults.PairOf(a, b)].Cut; {
		case cut == agent.ReasonLinkDown:
			return &traceCut{at: i, node: a, why: fmt.Sprintf("link %s–%s is down", a, b)}
		case cut != "":
			return &traceCut{at: i, node: a, why: fmt.Sprintf("link %s–%s is cut by a partition", a, b)}
		case state[b] != "" && state[b] != "running":
			return &traceCut{at: i, node: a, why: fmt.Sprintf("%s is not running (%s)", b, state[b])}
		}
	}
	return nil
}

// stopAtCut traces up to the near node of a cut and marks the stop there,
// when the hops show the way the plan says; ok is false when they do not
// (the routes are not the plan's), and the caller traces in full.
func stopAtCut(run func(maxHops int) (*agent.TraceResult, error), to string, cut *traceCut) (*agent.TraceResult, bool, error) {
	r := &agent.TraceResult{To: to, Hops: []agent.TraceHop{}}
	if cut.at > 0 {
		var err error
		if r, err = run(cut.at); err != nil {
			return nil, false, err
		}
		if r.Reached || len(r.Hops) != cut.at || r.Hops[cut.at-1].Node != cut.node {
			return r, false, nil
		}
	}
	r.Stop = &agent.TraceStop{Node: cut.node, Why: cut.why}
	if cut.at > 0 {
		r.Stop.Addr = r.Hops[cut.at-1].Addr
	}
	return r, true, nil
}
