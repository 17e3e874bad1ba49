// Package topo is the entry point for using topo as a library: Open
// returns an orchestrator on the local Docker engine that builds its node
// image from the agent's source embedded in this package. The topo command
// and the topotest helper start from here too.
package topo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/topo-dev/topo/engine"

	"github.com/topo-dev/topo/docker"
	"github.com/topo-dev/topo/internal/nodeimage"
	"github.com/topo-dev/topo/orchestrator"
)

// Options configure Open.
type Options struct {
	Logger   *slog.Logger                // diagnostics; discarded when nil
	Progress func(orchestrator.Progress) // progress of up and down; nil for none
	// Image configures how the node image is built; its Source defaults
	// to AgentSource.
	Image nodeimage.Options
	// Engine is EngineDocker (the default when empty), or EngineSwarm:
	// the swarm that the Docker endpoint manages.
	Engine string
	// Labels go on every container and network the orchestrator creates
	// (orchestrator.WithLabels); topotest names its test run with them.
	Labels map[string]string
}

// The engines Open knows.
const (
	EngineDocker = "docker" // one Docker engine: networks are bridges, nodes containers
	EngineSwarm  = "swarm"  // a Docker Swarm: networks are overlays, nodes services
)

// EngineEnv names the engine when a command is not told (topo --engine).
const EngineEnv = "TOPO_ENGINE"

// ErrUnknownEngine is returned, wrapped, for an Engine Open does not know.
var ErrUnknownEngine = errors.New("unknown engine")

// runtime is an engine.Runtime that holds a connection.
type runtime interface {
	engine.Runtime
	Close() error
}

// CheckEngine says what is wrong with an engine's name, if anything: one
// that Open does not know is ErrUnknownEngine, wrapped. Empty is docker.
func CheckEngine(name string) error {
	switch name {
	case "", EngineDocker, EngineSwarm:
		return nil
	}
	return fmt.Errorf("engine %q: want %s or %s: %w", name, EngineDocker, EngineSwarm, ErrUnknownEngine)
}

// openRuntime connects to the engine named.
func openRuntime(ctx context.Context, name string, log *slog.Logger) (runtime, error) {
	if err := CheckEngine(name); err != nil {
		return nil, err
	}
	if name == EngineSwarm {
		return docker.NewSwarm(ctx, docker.WithLogger(log))
	}
	return docker.New(ctx, docker.WithLogger(log))
}

// Open connects to the Docker engine (DOCKER_HOST is respected), or to the
// swarm it manages (Options.Engine), and returns an orchestrator on it, and
// a func that releases the connection.
func Open(ctx context.Context, opts Options) (*orchestrator.Orchestrator, func(), error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cli, err := openRuntime(ctx, opts.Engine, opts.Logger)
	if err != nil {
		return nil, func() {}, err
	}
	imgOpts := opts.Image
	if imgOpts.Logger == nil {
		imgOpts.Logger = opts.Logger
	}
	if imgOpts.Source == nil {
		imgOpts.Source = AgentSource()
	}
	if imgOpts.Progress == nil && opts.Progress != nil {
		// Compiling the agent with a cold Go build cache takes long
		// enough to look hung: its steps go to the image phase's line.
		imgOpts.Progress = func(msg string) {
			opts.Progress(orchestrator.Progress{Phase: orchestrator.PhaseImage, Status: orchestrator.StatusWorking, Resource: msg, Total: 1})
		}
	}
	oo := []orchestrator.Option{
		orchestrator.WithLogger(opts.Logger),
		orchestrator.WithLabels(opts.Labels),
		orchestrator.WithNodeImage(nodeImageOnce(cli, imgOpts)),
	}
	if opts.Progress != nil {
		oo = append(oo, orchestrator.WithProgress(opts.Progress))
	}
	o := orchestrator.New(cli, oo...)
	return o, func() { _ = cli.Close() }, nil
}

// nodeImageOnce ensures the node image the first time it is asked for,
// and after that hands back the same reference while the engine still has
// that image: a command that runs many helpers (topo test: a probe helper
// a node, a helper and a log container a fault step) keys the agent's
// source (a `go env` and a hash of every file) and says so once, not each
// time. The source of one process does not change under it.
func nodeImageOnce(cli engine.Runtime, opts nodeimage.Options) func(context.Context) (string, error) {
	var mu sync.Mutex
	var known string
	return func(ctx context.Context) (string, error) {
		mu.Lock()
		last := known
		mu.Unlock()
		if last != "" {
			if ok, err := cli.ImageExists(ctx, last); err == nil && ok {
				return last, nil
			}
		}
		mu.Lock() // one Ensure at a time: concurrent first asks build once
		defer mu.Unlock()
		ref, _, err := nodeimage.Ensure(ctx, cli, opts)
		if err == nil {
			known = ref
		}
		return ref, err
	}
}
