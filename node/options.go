package node

import (
	"log/slog"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/transport"
)

// Option changes how New builds an Agent.
type Option func(*options)

type options struct {
	transport.Options
	logger      *slog.Logger
	tokenHold   time.Duration
	socket      string
	socketSet   bool
	memoryLimit int64 // the Go soft memory limit set at start, for the log; 0: none
	onDeliver   func(Message)
	statsEvery  time.Duration // log the stats event this often; 0: agent.StatsEvery in a large topology only
}

func defaultOptions() options {
	return options{logger: slog.New(slog.DiscardHandler), Options: transport.DefaultOptions()}
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
	return func(o *options) { o.HelloDown, o.HelloUp = down, up }
}

// DefaultQueueWait is how long a frame waits in the queue of a link that is
// down before it is dropped as link_down: shorter than
// agent.DefaultSendTimeout (see transport.DefaultQueueWait).
const DefaultQueueWait = transport.DefaultQueueWait

// WithQueue bounds the per-link queue of frames waiting for a link to come
// up (256 by default), and how long a frame may wait before it is dropped
// as link_down (DefaultQueueWait).
func WithQueue(size int, wait time.Duration) Option {
	return func(o *options) { o.QueueSize, o.QueueWait = size, wait }
}

// Default byte bounds of the queues: each queue and all of an agent's
// queues together (see transport.DefaultQueueBytes).
const (
	DefaultQueueBytes = transport.DefaultQueueBytes
	DefaultQueueTotal = transport.DefaultQueueTotal
)

// WithQueueBytes bounds in bytes each queue of frames (perQueue) and all of
// them together (total). A frame that does not fit is dropped as
// queue_full. Values of 0 or less keep the defaults.
func WithQueueBytes(perQueue, total int64) Option {
	return func(o *options) { o.QueueBytes, o.QueueTotal = perQueue, total }
}

// A TCP link writes a hello when it has written nothing for
// DefaultHeartbeat, and goes down when it has read nothing for
// DefaultDeadAfter (see transport.DefaultHeartbeat).
const (
	DefaultHeartbeat = transport.DefaultHeartbeat
	DefaultDeadAfter = transport.DefaultDeadAfter
)

// WithHeartbeat sets how long a TCP link may be idle before it writes a
// hello, and how long it may hear nothing before it goes down. Values of 0
// or less keep the defaults; dead is at least twice every.
func WithHeartbeat(every, dead time.Duration) Option {
	return func(o *options) { o.Heartbeat, o.DeadAfter = every, dead }
}

// DefaultAckWait is how long a neighbour may take to acknowledge a data
// frame on a link that stays up (see transport.DefaultAckWait).
const DefaultAckWait = transport.DefaultAckWait

// WithAckWait sets DefaultAckWait. A value of 0 or less keeps the default.
func WithAckWait(d time.Duration) Option { return func(o *options) { o.AckWait = d } }

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
	return func(o *options) { o.BackoffStart, o.BackoffMax = start, max }
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

// WithNamesOf tells the agent that its config was resolved from named,
// which named addresses (ResolveNames): it dials those neighbours by name,
// and a frame's source address proves nothing.
func WithNamesOf(named *agent.Config) Option {
	return func(o *options) { o.PeerNames, o.NamedAddrs = peerNames(named), namesAddresses(named) }
}

// WithMemoryLimit records the Go soft memory limit set at start (0: none),
// for the start event.
func WithMemoryLimit(n int64) Option { return func(o *options) { o.memoryLimit = n } }
