package node

import (
	"context"
	"log/slog"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/evlog"
)

// statsEvery is how often the agent logs its stats event: every
// agent.StatsEvery in a topology of agent.StatsNodes nodes or more, where
// `topo status` reads the event instead of asking each agent; never in a
// smaller one, whose log people read line by line.
func statsEvery(o options, routes int) time.Duration {
	if o.statsEvery > 0 {
		return o.statsEvery
	}
	if routes+1 >= agent.StatsNodes {
		return agent.StatsEvery
	}
	return 0
}

// statsLoop logs the stats event of stats every d until ctx is done.
func statsLoop(ctx context.Context, d time.Duration, log *slog.Logger, stats func() agent.Stats) error {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			statsEvent(log, stats())
		}
	}
}

// statsEvent logs the node's stats s, summarised.
func statsEvent(log *slog.Logger, s agent.Stats) {
	evlog.Event(log, slog.LevelInfo, agent.EvStats, "stats", slog.Any(agent.FieldStats, s.Summary()))
}
