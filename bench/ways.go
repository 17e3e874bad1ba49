package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/compose"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// floor creates the topology's networks and containers with raw engine
// calls, as few as can be, starts them, and removes them: what any tool
// must at least spend on this engine.
func floor(ctx context.Context, o *orchestrator.Orchestrator, t *topology.Topology, image string, workers int) (timing, error) {
	return replanned(func() (timing, error) { return floorOnce(ctx, o, t, image, workers) })
}

// replanTries bounds replanned: other test runs on this engine take and
// free subnets of the same pool all the time, and a ring of 30 needs 30.
const replanTries = 10

// replanned runs once, which plans and times a way, again while it fails
// on a subnet that another user of the engine took since the plan was
// made (engine.ErrOverlap), up to replanTries times in all.
func replanned(once func() (timing, error)) (timing, error) {
	for range replanTries - 1 {
		tm, err := once()
		if !errors.Is(err, engine.ErrOverlap) {
			return tm, err
		}
	}
	return once()
}

func floorOnce(ctx context.Context, o *orchestrator.Orchestrator, t *topology.Topology, image string, workers int) (timing, error) {
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
	keep := func(ids *[]string, id string) {
		if id != "" {
			mu.Lock()
			*ids = append(*ids, id)
			mu.Unlock()
		}
	}
	err = each(ctx, workers, len(nets), func(ctx context.Context, i int) error {
		id, err := rt.CreateNetwork(ctx, nets[i])
		keep(&netIDs, id)
		return err
	})
	fmt.Printf("    floor: networks %.2fs", time.Since(start).Seconds())
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
	fmt.Printf(", then containers: up in %.2fs\n", up.Seconds())
	start = time.Now()
	// Every removal is tried, whatever fails, and after Ctrl-C too: a
	// failure must not leave the rest behind.
	ctx = context.WithoutCancel(ctx)
	rmErr := eachAll(ctx, workers, len(conIDs), func(ctx context.Context, i int) error { return rt.RemoveContainer(ctx, conIDs[i]) })
	rmErr2 := eachAll(ctx, workers, len(netIDs), func(ctx context.Context, i int) error { return rt.RemoveNetwork(ctx, netIDs[i]) })
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
	return replanned(func() (timing, error) { return composeOnce(ctx, o, t, dir) })
}

func composeOnce(ctx context.Context, o *orchestrator.Orchestrator, t *topology.Topology, dir string) (timing, error) {
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
	dc := func(ctx context.Context, args ...string) error {
		cmd := exec.CommandContext(ctx, "docker-compose", append([]string{"-f", file, "-p", "benchcompose"}, args...)...)
		b, err := cmd.CombinedOutput()
		if err != nil && bytes.Contains(b, []byte("Pool overlaps")) {
			err = fmt.Errorf("%w: %w", engine.ErrOverlap, err)
		}
		if err != nil {
			return fmt.Errorf("docker-compose %v: %w\n%s", args, err, b)
		}
		return nil
	}
	start := time.Now()
	err = dc(ctx, "up", "-d")
	up := time.Since(start)
	start = time.Now()
	if derr := dc(context.WithoutCancel(ctx), "down"); err == nil {
		err = derr
	}
	return timing{up, time.Since(start)}, err
}

// topoWay is topo up, until every node is ready, and topo down. It says
// how long up's phases took: the containers' (created, started, routed)
// and the wait for readiness after the last of them.
func topoWay(ctx context.Context, o *orchestrator.Orchestrator, t *topology.Topology, workers int) (timing, error) {
	start := time.Now()
	res, err := o.Up(ctx, t, orchestrator.UpOptions{Name: "bench-topo", MaxWorkers: workers})
	up := time.Since(start)
	if res != nil {
		for _, p := range res.Timings {
			fmt.Printf("    %s %.2fs", p.Phase, p.Duration.Seconds())
		}
		fmt.Println()
	}
	start = time.Now()
	_, derr := o.Down(context.WithoutCancel(ctx), "bench-topo", orchestrator.DownOptions{MaxWorkers: workers})
	if err == nil {
		err = derr
	}
	return timing{up, time.Since(start)}, err
}

// eachAll runs f for 0..n-1, at most limit at once, every one whatever
// the others return, and joins their errors.
func eachAll(ctx context.Context, limit, n int, f func(ctx context.Context, i int) error) error {
	errs := make([]error, n)
	var g errgroup.Group
	g.SetLimit(limit)
	for i := range n {
		g.Go(func() error { errs[i] = f(ctx, i); return nil })
	}
	_ = g.Wait()
	return errors.Join(errs...)
}

// each runs f for 0..n-1, at most limit at once, and starts no more
// after one fails. The ones started are not cut short: a create the
// client gave up on would still be made by the engine, unknown to the
// removal after.
func each(ctx context.Context, limit, n int, f func(ctx context.Context, i int) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(limit)
	for i := range n {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			return f(context.WithoutCancel(ctx), i)
		})
	}
	return g.Wait()
}
