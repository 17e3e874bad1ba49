package node

import (
	"context"
	"log/slog"
	"time"

	"github.com/topo-dev/topo/agent"
)

// statsEvery is how often the agent logs its stats event: every
// agent.StatsEvery in a topology of agent.StatsNodes nodes or more, where
// `topo status` reads the event instead of asking each agent; never in a
// smaller one, whose log people read line by line.
func (a *Agent) statsEvery() time.Duration {
	if a.o.statsEvery > 0 {
		return a.o.statsEvery
	}
	if len(a.routes)+1 >= agent.StatsNodes {
		return agent.StatsEvery
	}
	return 0
}

// statsLoop logs the stats event every d until ctx is done.
func (a *Agent) statsLoop(ctx context.Context, d time.Duration) error {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			a.statsEvent()
		}
	}
}

// statsEvent logs the node's stats, summarised.
func (a *Agent) statsEvent() {
	a.event(slog.LevelInfo, agent.EvStats, "stats", slog.Any(agent.FieldStats, a.Stats().Summary()))
}
