package main

import (
	"context"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
)

// keepImage holds the node image for the length of a run: a container of
// it that is created and never started. Live test packages that share the
// engine remove node images nothing uses once they end; without it, a
// round could find the image gone (docker-compose would then try to pull
// it, and there is no registry). It returns its removal.
func keepImage(ctx context.Context, o *orchestrator.Orchestrator, image string) (func(), error) {
	rt := o.Runtime()
	id, err := rt.CreateContainer(ctx, engine.ContainerSpec{
		Name: "topo-bench-keeper", Image: image, Cmd: []string{"true"},
		Labels:  map[string]string{engine.LabelHelper: "bench"},
		CapDrop: []string{"ALL"},
	})
	if err != nil {
		return nil, err
	}
	return func() { _ = rt.RemoveContainer(context.WithoutCancel(ctx), id) }, nil
}
