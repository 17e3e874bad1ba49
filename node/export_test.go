package node

import "time"

// Test hooks for package node_test.

// AcceptMargin is how many connections a segment takes beyond one per
// neighbour that dials in.
const AcceptMargin = acceptMargin

// WithHandshakeTimeout shortens how long a new connection has for its hello.
func WithHandshakeTimeout(d time.Duration) Option { return func(o *options) { o.handshake = d } }

// WithoutBye makes the agent stop without telling its neighbours, as a
// node that is killed does.
func WithoutBye() Option { return func(o *options) { o.noBye = true } }

// StatsEvery is how often a's agent logs its stats event; 0: never.
func StatsEvery(a *Agent) time.Duration { return a.statsEvery() }
