package node

import (
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/topo-dev/topo/agent"
)

// readiness logs the ready event when the last of a node's links comes
// up.
type readiness struct {
	links atomic.Int32 // the node's links
	up    atomic.Int32 // links up now
	// event logs that every link is up (readyEvent).
	event func()
}

// changed keeps the count of links up and logs the ready event when the
// last one comes up. Called by setUp on every change of a link's state,
// so the count never drifts from the links' own.
func (r *readiness) changed(up bool) {
	if !up {
		r.up.Add(-1)
		return
	}
	if r.up.Add(1) == r.links.Load() {
		r.event()
	}
}

// readyEvent logs that every link of a's is up. It is logged at info, the
// default level: an agent told to log less says nothing, and `topo up`
// asks it instead (see the orchestrator's waitReady).
func readyEvent(a *Agent) {
	a.event(slog.LevelInfo, agent.EvReady, fmt.Sprintf("node %s ready: %d links up", a.name, len(a.net.Links())),
		slog.Int("links", len(a.net.Links())))
	if statsEvery(a.o, len(a.tab().routes)) > 0 && a.running.Load() {
		// Status reads the latest stats event: let it say ready at once.
		// Not here, where a link's lock is held, which Stats takes.
		go func() { statsEvent(a.log, a.Stats()) }()
	}
}
