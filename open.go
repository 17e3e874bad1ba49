// Package topo is the entry point for using topo as a library: Open
// returns an orchestrator on the local Docker engine that builds its node
// image from the agent's source embedded in this package. The topo command
// and the topotest helper start from here too.
package topo

import (
	"context"
	"io"
	"log/slog"

	"github.com/topo-dev/topo/docker"
	"github.com/topo-dev/topo/nodeimage"
	"github.com/topo-dev/topo/orchestrator"
)

// Options configure Open.
type Options struct {
	Logger   *slog.Logger                // diagnostics; discarded when nil
	Progress func(orchestrator.Progress) // progress of up and down; nil for none
	// Image configures how the node image is built; its Source defaults
	// to AgentSource.
	Image nodeimage.Options
}

// Open connects to the Docker engine (DOCKER_HOST is respected) and returns
// an orchestrator on it, and a func that releases the connection.
func Open(ctx context.Context, opts Options) (*orchestrator.Orchestrator, func(), error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cli, err := docker.New(ctx, docker.WithLogger(opts.Logger))
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
	oo := []orchestrator.Option{
		orchestrator.WithLogger(opts.Logger),
		orchestrator.WithNodeImage(func(ctx context.Context) (string, error) {
			ref, _, err := nodeimage.Ensure(ctx, cli, imgOpts)
			return ref, err
		}),
	}
	if opts.Progress != nil {
		oo = append(oo, orchestrator.WithProgress(opts.Progress))
	}
	o := orchestrator.New(cli, oo...)
	return o, func() { _ = cli.Close() }, nil
}
