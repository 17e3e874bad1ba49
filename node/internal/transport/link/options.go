package link

import "time"

// Options are the links' settings; the agent's options fill them (see
// node.Option), and its New gives every one a value.
type Options struct {
	HelloDown    time.Duration // datagram links: a hello this often while down
	HelloUp      time.Duration // and this often while up
	QueueSize    int           // frames a link's queue holds
	QueueWait    time.Duration // how long a frame waits for a link that is down
	QueueBytes   int64         // bound of each queue (a link's, a shaper's, the ring's outbox)
	QueueTotal   int64         // bound of all the agent's queues together
	BackoffStart time.Duration // tcp: the first pause before a redial
	BackoffMax   time.Duration // tcp: the longest
	Handshake    time.Duration // tcp: how long a new connection has for its hellos
	Heartbeat    time.Duration // tcp: a hello after this long without writing
	DeadAfter    time.Duration // tcp: the link is down after this long without a frame
	NoBye        bool          // tests: stop without a word, as a killed node does
	AckWait      time.Duration // how long an ack may take on an unimpaired link

	// PeerNames maps a neighbour and segment (PeerKey) to the name to dial
	// it by, where the engine picks addresses.
	PeerNames map[string]string
	// NamedAddrs is set when the config named addresses instead of
	// giving them (a swarm): the addresses the agent resolved at start
	// may change when the engine restarts a peer, so a frame's source
	// address proves nothing (see plannedFrom).
	NamedAddrs bool
}

// HandshakeTimeout is how long a new TCP connection has to exchange hellos
// by default; an accepted one that names no neighbour by then is closed.
const HandshakeTimeout = 5 * time.Second

// DefaultQueueWait is how long a frame waits in the queue of a link that is
// down before it is dropped as link_down. It is shorter than
// agent.DefaultSendTimeout, so that a send to a node behind a link that is
// down gets a receipt that says link_down rather than one that says
// timeout.
const DefaultQueueWait = 3 * time.Second

// Default byte bounds of the queues: each queue (a link's, a shaper's, a
// ring node's outbox) holds at most DefaultQueueBytes of encoded frames,
// and all of an agent's queues together at most DefaultQueueTotal, so that
// a hub whose spokes stop under load stays well inside a node container's
// memory (64 MiB).
const (
	DefaultQueueBytes = 1 << 20
	DefaultQueueTotal = 8 << 20
)

// A TCP link writes a hello when it has written nothing for
// DefaultHeartbeat, and goes down (its connection closed, to be dialled
// again) when it has read nothing for DefaultDeadAfter: a connection cut
// under the agents, or a neighbour that is frozen, shows in seconds.
const (
	DefaultHeartbeat = time.Second
	DefaultDeadAfter = 4 * time.Second
)

// DefaultAckWait is how long a neighbour may take to acknowledge a data
// frame on a link that stays up, beyond twice the link's delay and jitter,
// before the frame is counted as dropped (unacked). A late ack takes the
// drop back.
const DefaultAckWait = 3 * time.Second

// DefaultOptions are the links' settings unless told otherwise.
func DefaultOptions() Options {
	return Options{
		HelloDown:    100 * time.Millisecond,
		HelloUp:      500 * time.Millisecond,
		QueueSize:    256,
		QueueWait:    DefaultQueueWait,
		QueueBytes:   DefaultQueueBytes,
		QueueTotal:   DefaultQueueTotal,
		BackoffStart: 100 * time.Millisecond,
		BackoffMax:   2 * time.Second,
		Handshake:    HandshakeTimeout,
		Heartbeat:    DefaultHeartbeat,
		DeadAfter:    DefaultDeadAfter,
		AckWait:      DefaultAckWait,
	}
}

// Filled is o with what it leaves unset (zero or less) from the defaults:
// intervals of zero would panic the tickers and random waits they feed.
func (o Options) Filled() Options {
	def := DefaultOptions()
	if o.QueueSize <= 0 {
		o.QueueSize = 1
	}
	if o.QueueBytes <= 0 {
		o.QueueBytes = def.QueueBytes
	}
	if o.QueueTotal <= 0 {
		o.QueueTotal = def.QueueTotal
	}
	if o.BackoffStart <= 0 {
		o.BackoffStart = def.BackoffStart
	}
	o.BackoffMax = max(o.BackoffMax, o.BackoffStart)
	if o.HelloDown <= 0 {
		o.HelloDown = def.HelloDown
	}
	if o.HelloUp <= 0 {
		o.HelloUp = def.HelloUp
	}
	if o.Handshake <= 0 {
		o.Handshake = def.Handshake
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = def.Heartbeat
	}
	if o.DeadAfter <= 0 {
		o.DeadAfter = def.DeadAfter
	}
	if o.AckWait <= 0 {
		o.AckWait = def.AckWait
	}
	o.DeadAfter = max(o.DeadAfter, 2*o.Heartbeat)
	return o
}
