package orchestrator

import (
	"context"
	"slices"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
)

// A large topology's agents log their stats every agent.StatsEvery (the
// stats event), and status reads the latest from each log: a log read
// costs the engine a file read, where asking an agent costs it a process
// in the container, and on an engine that starts one at a time, asking 250
// agents takes longer than people wait for a status.
const (
	// statsTail is how many lines from a log's end status looks through
	// for the event: several intervals of a busy node's log.
	statsTail = "400"
	// statsFresh is how old the event may be; an older one (the node is
	// paused, or logged too much since) is not trusted, and the agent is
	// asked.
	statsFresh = 3 * agent.StatsEvery
)

// statsFromLogs reports whether status reads the agents' stats events
// rather than asking them: in a topology large enough that they log them.
func statsFromLogs(cs []engine.ContainerInfo) bool {
	agents := 0
	for _, c := range cs {
		if runsAgent(c) {
			agents++
		}
	}
	return len(cs) >= agent.StatsNodes && agents > 0
}

// loggedStats returns the latest stats event in a node's log, if there is
// a fresh one.
func (o *Orchestrator) loggedStats(ctx context.Context, c engine.ContainerInfo) (agent.StatsSummary, time.Time, bool) {
	var last agent.Event
	// The filter sees each line parsed once; it keeps the latest event
	// and passes nothing on.
	keep := func(ev agent.Event) bool {
		if ev.Event == agent.EvStats && !ev.Time.IsZero() {
			last = ev
		}
		return false
	}
	err := o.readLogs(ctx, c, engine.LogOptions{Tail: statsTail, Timestamps: true}, keep, func(LogLine) error { return nil })
	if err != nil || last.Event == "" || time.Since(last.Time) > statsFresh {
		return agent.StatsSummary{}, time.Time{}, false
	}
	sum, err := agent.StatsOf(last)
	return sum, last.Time, err == nil
}

// fillLoggedStats fills a node's status from its stats event.
func fillLoggedStats(n *NodeStatus, sum agent.StatsSummary, at time.Time) {
	n.Ready = sum.Ready
	n.StatsAt = at
	n.Stats = NodeStats{Counters: sum.Counters, RSSBytes: sum.RSSBytes, InFlight: sum.InFlight,
		QueuedBytes: sum.QueuedBytes, Outbox: sum.Outbox}
	down := map[string]bool{}
	for _, d := range sum.Down {
		down[d] = true
	}
	for _, nb := range sum.Links {
		state := "up"
		switch {
		case slices.Contains(sum.OneWay, nb):
			state = agent.LinkOneWay
		case down[nb]:
			state = "down"
		}
		n.Neighbors = append(n.Neighbors, nb)
		n.Links = append(n.Links, LinkStatus{Neighbor: nb, State: state, Fault: sum.Faults[nb]})
	}
	for _, nb := range sum.Foreign {
		n.Neighbors = append(n.Neighbors, nb)
		n.Links = append(n.Links, LinkStatus{Neighbor: nb, State: agent.StateForeign})
	}
}
