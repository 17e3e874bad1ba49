package node

import (
	"log/slog"
	"time"
)

// Option changes how New builds an Agent.
type Option func(*options)

type options struct {
	logger       *slog.Logger
	tokenHold    time.Duration
	socket       string
	socketSet    bool
	helloDown    time.Duration
	helloUp      time.Duration
	queueSize    int
	queueWait    time.Duration
	queueBytes   int64 // bound of each queue (a link's, a shaper's, the ring's outbox)
	queueTotal   int64 // bound of all the agent's queues together
	memoryLimit  int64 // the Go soft memory limit set at start, for the log; 0: none
	onDeliver    func(Message)
	backoffStart time.Duration
	backoffMax   time.Duration
	handshake    time.Duration // tests shorten it
	heartbeat    time.Duration // tcp: a hello after this long without writing
	deadAfter    time.Duration // tcp: the link is down after this long without a frame
	noBye        bool          // tests: stop without a word, as a killed node does
	ackWait      time.Duration // how long an ack may take on an unimpaired link
	statsEvery   time.Duration // log the stats event this often; 0: agent.StatsEvery in a large topology only

	// peerNames maps a neighbour and segment (peerKey) to the name to dial
	// it by, where the engine picks addresses (resolve.go).
	peerNames map[string]string
	// namedAddrs is set when the config named addresses instead of
	// giving them (a swarm): the addresses the agent resolved at start
	// may change when the engine restarts a peer, so a frame's source
	// address proves nothing (see plannedFrom).
	namedAddrs bool
}

func defaultOptions() options {
	return options{
		logger:       slog.New(slog.DiscardHandler),
		helloDown:    100 * time.Millisecond,
		helloUp:      500 * time.Millisecond,
		queueSize:    256,
		queueWait:    DefaultQueueWait,
		queueBytes:   DefaultQueueBytes,
		queueTotal:   DefaultQueueTotal,
		backoffStart: 100 * time.Millisecond,
		backoffMax:   2 * time.Second,
		handshake:    handshakeTimeout,
		heartbeat:    DefaultHeartbeat,
		deadAfter:    DefaultDeadAfter,
		ackWait:      DefaultAckWait,
	}
}

// WithLogger sets where the agent logs its events. Without it the agent is
// silent.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithTokenHold overrides how long a ring node holds the token.
func WithTokenHold(d time.Duration) Option { return func(o *options) { o.tokenHold = d } }

// WithControlSocket overrides Config.ControlSocket. An empty path turns the
// control channel off.
func WithControlSocket(path string) Option {
	return func(o *options) { o.socket, o.socketSet = path, true }
}

// WithHelloInterval sets how often UDP and shared-segment links send hellos
// while down (by default every 100ms, which is also the tick of the loop
// that sends them) and while up (every 500ms). A neighbour silent for one
// up interval plus two ticks (at least a tick and 100ms) is in doubt: a
// data frame for it is dropped as unconfirmed rather than sent into the
// void. One silent for three up intervals is down. Both allow twice the
// segment's jitter more. An interval of 0 or less keeps its default.
func WithHelloInterval(down, up time.Duration) Option {
	return func(o *options) { o.helloDown, o.helloUp = down, up }
}

// DefaultQueueWait is how long a frame waits in the queue of a link that is
// down before it is dropped as link_down. It is shorter than
// DefaultSendTimeout, so that a send to a node behind a link that is down
// gets a receipt that says link_down rather than one that says timeout.
const DefaultQueueWait = 3 * time.Second

// WithQueue bounds the per-link queue of frames waiting for a link to come
// up (256 by default), and how long a frame may wait before it is dropped
// as link_down (DefaultQueueWait).
func WithQueue(size int, wait time.Duration) Option {
	return func(o *options) { o.queueSize, o.queueWait = size, wait }
}

// Default byte bounds of the queues: each queue (a link's, a shaper's, a
// ring node's outbox) holds at most DefaultQueueBytes of encoded frames,
// and all of an agent's queues together at most DefaultQueueTotal, so that
// a hub whose spokes stop under load stays well inside a node container's
// memory (64 MiB).
const (
	DefaultQueueBytes = 1 << 20
	DefaultQueueTotal = 8 << 20
)

// WithQueueBytes bounds in bytes each queue of frames (perQueue) and all of
// them together (total). A frame that does not fit is dropped as
// queue_full. Values of 0 or less keep the defaults.
func WithQueueBytes(perQueue, total int64) Option {
	return func(o *options) { o.queueBytes, o.queueTotal = perQueue, total }
}

// A TCP link writes a hello when it has written nothing for
// DefaultHeartbeat, and goes down (its connection closed, to be dialled
// again) when it has read nothing for DefaultDeadAfter: a connection cut
// under the agents, or a neighbour that is frozen, shows in seconds.
const (
	DefaultHeartbeat = time.Second
	DefaultDeadAfter = 4 * time.Second
)

// WithHeartbeat sets how long a TCP link may be idle before it writes a
// hello, and how long it may hear nothing before it goes down. Values of 0
// or less keep the defaults; dead is at least twice every.
func WithHeartbeat(every, dead time.Duration) Option {
	return func(o *options) { o.heartbeat, o.deadAfter = every, dead }
}

// DefaultAckWait is how long a neighbour may take to acknowledge a data
// frame on a link that stays up, beyond twice the link's delay and jitter,
// before the frame is counted as dropped (unacked). A late ack takes the
// drop back.
const DefaultAckWait = 3 * time.Second

// WithAckWait sets DefaultAckWait. A value of 0 or less keeps the default.
func WithAckWait(d time.Duration) Option { return func(o *options) { o.ackWait = d } }

// WithStatsEvery logs the stats event every d, whatever the topology's
// size (by default only a topology of agent.StatsNodes nodes or more
// logs it, every agent.StatsEvery).
func WithStatsEvery(d time.Duration) Option { return func(o *options) { o.statsEvery = d } }

// WithOnDeliver calls fn for every data message delivered at this node. It
// runs on the receiving goroutine, so it must not block.
func WithOnDeliver(fn func(Message)) Option { return func(o *options) { o.onDeliver = fn } }

// WithBackoff sets the TCP redial backoff: start, doubling up to max. A
// start of 0 or less keeps the default; a max below start is start.
func WithBackoff(start, max time.Duration) Option {
	return func(o *options) { o.backoffStart, o.backoffMax = start, max }
}

// Message is a data message delivered at a node.
type Message struct {
	ID      string    `json:"id"`
	From    string    `json:"from"`
	To      string    `json:"to"` // the node's name, or "*" for a broadcast
	Path    []string  `json:"path"`
	Payload []byte    `json:"payload"`
	Sent    time.Time `json:"sent"`
}
