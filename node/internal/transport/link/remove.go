package link

import (
	"log/slog"
	"slices"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/evlog"
)

// allLinks are the links now: a copy, which the links made or removed at
// runtime do not change under the caller.
func (a *Env) allLinks() []*Link {
	a.linksMu.Lock()
	defer a.linksMu.Unlock()
	return slices.Clone(a.links)
}

// Remove takes the link out as the agent runs, for a neighbour that a new
// config no longer has: what it is handed from now on, what its queue
// holds, and what it sent that waits for an ack (which can no longer come)
// are dropped with reason removed, each counted by the host, and the link
// is taken off the ack loop. Its connection is closed; the caller stops
// its loops.
func (l *Link) Remove() {
	l.mu.Lock()
	l.removed, l.stopped = true, true
	l.setUp(false, agent.ReasonRemoved)
	l.ledger.Down(agent.ReasonRemoved)
	l.mu.Unlock()
	l.closeConn()
	// A write under way fails on the closed connection and may put its
	// frame back in the queue: wait for it, then empty the queue.
	l.wmu.Lock()
	l.rest, l.restConn = nil, nil
	l.expire(time.Time{}, agent.ReasonRemoved)
	l.wmu.Unlock()
	l.settle(time.Now(), false)
	a := l.a
	a.linksMu.Lock()
	a.links = slices.DeleteFunc(a.links, func(x *Link) bool { return x == l })
	a.linksMu.Unlock()
	a.event(slog.LevelInfo, agent.EvLink, "link to "+l.Name()+" removed", evlog.Peer(l.Name()),
		slog.String("segment", l.seg.Name()), evlog.Reason(agent.ReasonRemoved))
}
