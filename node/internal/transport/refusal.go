package transport

import (
	"log/slog"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/evlog"
)

// newRejectLogs makes the summaries of the connections an accepting
// segment rejects: those that send no hello, and those whose hello names a
// node that is not a neighbour that dials this one. Each line says how
// many it stands for (count) and names the last (its address, error or
// name), so that a flood of them costs a line a second.
func (a *Net) newRejectLogs() (noHello, stranger *evlog.Summary) {
	noHello = &evlog.Summary{Emit: func(n int, remote, detail string) {
		a.event(slog.LevelWarn, agent.EvLink, "rejected connection without hello", evlog.Addr(remote),
			slog.String(agent.FieldError, detail), slog.Int("count", n))
	}}
	stranger = &evlog.Summary{Emit: func(n int, remote, name string) {
		a.event(slog.LevelWarn, agent.EvLink, "rejected connection from "+name+": not a neighbour that dials",
			evlog.Peer(name), evlog.Addr(remote), slog.Int("count", n))
	}}
	return noHello, stranger
}
