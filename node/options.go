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
	onDeliver    func(Message)
	backoffStart time.Duration
	backoffMax   time.Duration
	handshake    time.Duration // tests shorten it
}

func defaultOptions() options {
	return options{
		logger:       slog.New(slog.DiscardHandler),
		helloDown:    500 * time.Millisecond,
		helloUp:      2 * time.Second,
		queueSize:    256,
		queueWait:    10 * time.Second,
		backoffStart: 100 * time.Millisecond,
		backoffMax:   2 * time.Second,
		handshake:    handshakeTimeout,
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
// while down and while up. A link silent for three up intervals goes down.
// An interval of 0 or less keeps its default.
func WithHelloInterval(down, up time.Duration) Option {
	return func(o *options) { o.helloDown, o.helloUp = down, up }
}

// WithQueue bounds the per-link queue of frames waiting for a link to come
// up, and how long a frame may wait before it is dropped as link_down.
func WithQueue(size int, wait time.Duration) Option {
	return func(o *options) { o.queueSize, o.queueWait = size, wait }
}

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
