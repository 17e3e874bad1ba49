package node

import (
	"log/slog"

	"github.com/topo-dev/topo/node/internal/evlog"
)

// GreetingText is what a server says to every client that connects.
const GreetingText = "Thank you for connecting"

func (a *Agent) event(level slog.Level, ev, msg string, attrs ...slog.Attr) {
	evlog.Event(a.log, level, ev, msg, attrs...)
}
