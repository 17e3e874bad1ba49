package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/topo-dev/topo/compose"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// floor creates the topology's networks and containers with raw engine
// calls, as few as can be, starts them, and removes them: what any tool
// must at least spend on this engine.
func floor(ctx context.Context, o *orchestrator.Orchestrator, t *topology.Topology, image string, workers int) (timing, error) {
	d, err := o.Plan(ctx, t, orchestrator.PlanOptions{Name: "bench-floor"})
	if err != nil {
		return timing{}, err
	}
	nets, cons, err := orchestrator.Specs(d.Plan, orchestrator.SpecOptions{Image: image})
	if err != nil {
		return timing{}, err
	}
	rt := o.Runtime()
	start := time.Now()
	var netIDs, conIDs []string
	var mu sync.Mutex
	keep := func(ids *[]string, id string) { mu.Lock(); *ids = append(*ids, id); mu.Unlock() }
	err = each(ctx, workers, len(nets), func(ctx context.Context, i int) error {
		id, err := rt.CreateNetwork(ctx, nets[i])
		keep(&netIDs, id)
		return err
	})
	if err == nil {
		err = each(ctx, workers, len(cons), func(ctx context.Context, i int) error {
			id, err := rt.CreateContainer(ctx, cons[i])
			if err == nil {
				keep(&conIDs, id)
				err = rt.StartContainer(ctx, id)
			}
			return err
		})
	}
	up := time.Since(start)
	start = time.Now()
	rmErr := each(ctx, workers, len(conIDs), func(ctx context.Context, i int) error { return rt.RemoveContainer(ctx, conIDs[i]) })
	rmErr2 := each(ctx, workers, len(netIDs), func(ctx context.Context, i int) error { return rt.RemoveNetwork(ctx, netIDs[i]) })
	if err == nil {
		err = rmErr
	}
	if err == nil {
		err = rmErr2
	}
	return timing{up, time.Since(start)}, err
}

// composeWay runs docker-compose up -d and down on topo's export.
func composeWay(ctx context.Context, o *orchestrator.Orchestrator, t *topology.Topology, dir string) (timing, error) {
	d, err := o.Plan(ctx, t, orchestrator.PlanOptions{Name: "bench-compose"})
	if err != nil {
		return timing{}, err
	}
	image, err := o.NodeImage(ctx)
	if err != nil {
		return timing{}, err
	}
	out, err := compose.Export(d.Plan, compose.Options{Image: image})
	if err != nil {
		return timing{}, err
	}
	file := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(file, out, 0o644); err != nil {
		return timing{}, err
	}
	dc := func(args ...string) error {
		cmd := exec.CommandContext(ctx, "docker-compose", append([]string{"-f", file, "-p", "benchcompose"}, args...)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("docker-compose %v: %w\n%s", args, err, b)
		}
		return nil
	}
	start := time.Now()
	err = dc("up", "-d")
	up := time.Since(start)
	start = time.Now()
	if derr := dc("down"); err == nil {
		err = derr
	}
	return timing{up, time.Since(start)}, err
}

// topoWay is topo up, until every node is ready, and topo down.
func topoWay(ctx context.Context, o *orchestrator.Orchestrator, t *topology.Topology, workers int) (timing, error) {
	start := time.Now()
	_, err := o.Up(ctx, t, orchestrator.UpOptions{Name: "bench-topo", MaxWorkers: workers})
	up := time.Since(start)
	start = time.Now()
	_, derr := o.Down(ctx, "bench-topo", orchestrator.DownOptions{MaxWorkers: workers})
	if err == nil {
		err = derr
	}
	return timing{up, time.Since(start)}, err
}

// each runs f for 0..n-1, at most limit at once.
func each(ctx context.Context, limit, n int, f func(ctx context.Context, i int) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(limit)
	for i := range n {
		g.Go(func() error { return f(ctx, i) })
	}
	return g.Wait()
}
