// Package link is this node's side of the link to one neighbour: its
// state, the bounded queue of frames waiting to go out on it, the writes
// (TCP: one stream; UDP: datagrams to the neighbour; shared: datagrams put
// on the segment once), its ledger of acknowledgements (package ack), its
// faults and its shaper (package shaper). A Link is one type for the three
// kinds; package transport, above it, binds the sockets and reads them.
package link

import (
	"context"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/topo-dev/topo/node/internal/evlog"
	"github.com/topo-dev/topo/node/internal/frame"
	"github.com/topo-dev/topo/node/internal/seal"
	"github.com/topo-dev/topo/node/internal/shaper"
)

// Host is the agent above the links: what a link hands up and tells.
type Host interface {
	// DropQueued drops a frame that left, or never left, l's queue: f is
	// its header, size its payload's length.
	DropQueued(f *frame.Frame, size int, l *Link, reason string, err error)
	// LinkChanged says that a link went up or down.
	LinkChanged(up bool)
	// Revoked counts a drop that a late ack took back.
	Revoked(reason string)
}

// Segment is what a link needs of the segment it is on.
type Segment interface {
	Name() string
	// Sealer seals what leaves on the segment (package seal).
	Sealer() *seal.Sealer
	// Shaper is the segment's impairment's; nil when it has none.
	Shaper() *shaper.Shaper[Shaped]
	// Put puts b on a shared segment, sealed, for every member to see.
	Put(b []byte) error
	// SendTo sends b, sealed, to one address.
	SendTo(b []byte, to netip.AddrPort) error
}

// Env is what all the links of an agent share: the settings, the log, the
// host, the byte bounds of the queues, the ack loop and the bye.
type Env struct {
	o    Options
	log  *slog.Logger
	name string
	h    Host
	// links are every link, for the ack loop and the stop; linksMu guards
	// the slice, which links made or removed at runtime change.
	linksMu sync.Mutex
	links   []*Link

	queued budget // the bytes all queues hold, against Options' total
	// ledgers wakes the ack loop when a ledger gets a frame while it
	// sleeps (ackArmed false): see ackLoop.
	ledgers  chan struct{}
	ackArmed atomic.Bool

	// byeMu orders hellos and byes: once said is set, no hello leaves, so
	// that none can bring a neighbour's link back after the bye.
	byeMu sync.Mutex
	said  bool

	// spawnCtx runs a function of the running agent's context in its
	// group: a link's shaper or write loop made at runtime.
	spawnCtx func(func(context.Context) error)
}

// NewEnv is the Env of the links of the node named name.
func NewEnv(name string, o Options, log *slog.Logger, h Host) *Env {
	e := &Env{o: o, log: log, name: name, h: h, ledgers: make(chan struct{}, 1)}
	e.ackArmed.Store(true) // the ack loop starts ticking
	e.queued.limit = o.QueueTotal
	return e
}

func (a *Env) event(level slog.Level, ev, msg string, attrs ...slog.Attr) {
	evlog.Event(a.log, level, ev, msg, attrs...)
}

// Hello is a hello frame from this node to to.
func (a *Env) Hello(to string) *frame.Frame {
	return &frame.Frame{Type: frame.Hello, Source: a.name, Destination: to, NextHop: to, Path: []string{a.name}}
}

// Start runs the ack loop, and lets links start goroutines of their own
// (write loops, shapers) on ctx, through spawn.
func (a *Env) Start(ctx context.Context, spawn func(func() error)) {
	a.spawnCtx = func(f func(context.Context) error) { spawn(func() error { return f(ctx) }) }
	spawn(func() error { return a.ackLoop(ctx) })
}

// Spawn runs f on the running agent's context, in its group.
func (a *Env) Spawn(f func(context.Context) error) { a.spawnCtx(f) }

// Queued is what all the queues hold, in bytes.
func (a *Env) Queued() int64 { return a.queued.used.Load() }

// dropQueued drops a frame that left (or never left) a link's queue.
func (a *Env) dropQueued(h held, l *Link, reason string, err error) {
	if h.hdr == nil {
		return // a hello
	}
	a.h.DropQueued(h.hdr, h.size, l, reason, err)
}
