package node

import (
	"time"

	"github.com/topo-dev/topo/node/internal/transport"
)

// Test hooks for package node_test.

// AcceptMargin is how many connections a segment takes beyond one per
// neighbour that dials in.
const AcceptMargin = transport.AcceptMargin

// WithHandshakeTimeout shortens how long a new connection has for its hello.
func WithHandshakeTimeout(d time.Duration) Option { return func(o *options) { o.Handshake = d } }

// WithoutBye makes the agent stop without telling its neighbours, as a
// node that is killed does.
func WithoutBye() Option { return func(o *options) { o.NoBye = true } }

// StatsEvery is how often a's agent logs its stats event; 0: never.
func StatsEvery(a *Agent) time.Duration { return statsEvery(a.o, len(a.tab().routes)) }
