package node

import (
	"fmt"
	"log/slog"

	"github.com/topo-dev/topo/agent"
)

// linkChanged keeps the count of links up and logs the ready event when
// the last one comes up. Called by setUp on every change of a link's
// state, so the count never drifts from the links' own.
func (a *Agent) linkChanged(up bool) {
	if !up {
		a.linksUp.Add(-1)
		return
	}
	if int(a.linksUp.Add(1)) == len(a.linkList) {
		a.readyEvent()
	}
}

// readyEvent logs that every link is up. It is logged at info, the
// default level: an agent told to log less says nothing, and `topo up`
// asks it instead (see the orchestrator's waitReady).
func (a *Agent) readyEvent() {
	a.event(slog.LevelInfo, agent.EvReady, fmt.Sprintf("node %s ready: %d links up", a.name, len(a.linkList)),
		slog.Int("links", len(a.linkList)))
	if a.statsEvery() > 0 && a.running.Load() {
		// Status reads the latest stats event: let it say ready at once.
		// Not here, where a link's lock is held, which Stats takes.
		go a.statsEvent()
	}
}
