// Package orchestrator builds, inspects and tears down live topologies on a
// container Runtime. It takes a validated topology, plans it, and applies the
// plan: one network per segment, one container per node, then waits until
// every node reports its links up.
//
// Labels on the engine's resources are the only state, so every command
// works from any shell and after the topology file is gone.
package orchestrator

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/topo-dev/topo/engine"
)

// Defaults.
const (
	DefaultMaxWorkers = 8
	// DefaultUpTimeout bounds an up of up to 30 nodes; a bigger topology
	// gets upTimePerNode for each of its nodes (see UpTimeout).
	DefaultUpTimeout = 2 * time.Minute
	upTimePerNode    = 4 * time.Second
	// nodeMemory and nodePids cap every built-in node: the agent is small.
	nodeMemory = 64 << 20
	nodePids   = 128
	// userMemory and userPids cap a node that runs a user's own image,
	// unless it asks for Docker's defaults (privileged: true).
	userMemory = 256 << 20
	userPids   = 256
)

// Orchestrator applies topology plans to a Runtime.
type Orchestrator struct {
	rt        engine.Runtime
	log       *slog.Logger
	nodeImage func(ctx context.Context) (string, error)
	progress  func(Progress)
	labels    map[string]string // WithLabels
}

// Option configures an Orchestrator.
type Option func(*Orchestrator)

// WithLogger sends diagnostics to l. The default discards them.
func WithLogger(l *slog.Logger) Option { return func(o *Orchestrator) { o.log = l } }

// WithNodeImage sets how the built-in node image is obtained: a function
// that makes sure it exists locally and returns its reference. Up calls it
// only when a topology has a node without an image of its own.
func WithNodeImage(f func(ctx context.Context) (string, error)) Option {
	return func(o *Orchestrator) { o.nodeImage = f }
}

// WithProgress sends progress events to f. It is called from several
// goroutines at once, so f must be safe for concurrent use.
func WithProgress(f func(Progress)) Option { return func(o *Orchestrator) { o.progress = f } }

// New returns an Orchestrator on rt.
func New(rt engine.Runtime, opts ...Option) *Orchestrator {
	o := &Orchestrator{
		rt:       rt,
		log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		progress: func(Progress) {},
	}
	for _, opt := range opts {
		opt(o)
	}
	o.rt = stamp(rt, o.labels)
	return o
}

// Runtime returns the runtime the orchestrator drives.
func (o *Orchestrator) Runtime() engine.Runtime { return o.rt }

// NodeImage makes sure the built-in node image exists locally and returns
// its reference.
func (o *Orchestrator) NodeImage(ctx context.Context) (string, error) {
	if o.nodeImage == nil {
		return "", errors.New("node image: no way to build it was configured")
	}
	return o.nodeImage(ctx)
}

// UpTimeout is the default bound of an up of a topology of n nodes: two
// minutes, or four seconds a node, whichever is longer. This engine starts
// containers one after another, each slower as more run: on the 2-core
// machine this project is tested on, a bus of 250 took 6.5 to 7.5 minutes,
// and a star of 250, whose spokes each get a network and a route helper,
// and whose hub joins 249 networks, 12.5 minutes.
func UpTimeout(n int) time.Duration {
	return max(DefaultUpTimeout, time.Duration(n)*upTimePerNode)
}
