package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	topo "github.com/topo-dev/topo"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// swarmBench, with -swarm, measures instead what the README's plan for
// 1,000 nodes on a swarm rests on, on the swarm the engine manages (a
// single-node one will do: docker swarm init --advertise-addr 127.0.0.1):
// the time per overlay network and per service to create, start and
// remove, one after another and with -workers in flight, and a topo up and
// down of the same ring on --engine swarm.
//
//	go run ./bench -swarm -nodes 60
var swarmBench = flag.Bool("swarm", false, "measure overlay networks and services on the swarm the engine manages, and topo up/down --engine swarm")

// benchSwarm runs the -swarm measurements and returns the exit code.
func benchSwarm(nodes, workers int) int {
	if err := runSwarm(context.Background(), nodes, workers); err != nil {
		fmt.Fprintln(os.Stderr, "bench -swarm:", err)
		return 1
	}
	return 0
}

func runSwarm(ctx context.Context, nodes, workers int) error {
	o, t, image, closeEngine, err := openSwarmRing(ctx, nodes)
	if err != nil {
		return err
	}
	defer closeEngine()
	fmt.Printf("swarm, ring of %d (%d overlay networks, %d services), %d workers\n", nodes, nodes, nodes, workers)
	for _, w := range []int{1, workers} {
		if err := rawSwarm(ctx, o, t, image, w); err != nil {
			return err
		}
	}
	start := time.Now()
	res, err := o.Up(ctx, t, orchestrator.UpOptions{Name: "bench-swarm", MaxWorkers: workers})
	up := time.Since(start)
	start = time.Now()
	_, derr := o.Down(ctx, "bench-swarm", orchestrator.DownOptions{MaxWorkers: workers})
	if err = errors.Join(err, derr); err != nil {
		return err
	}
	fmt.Printf("topo up --engine swarm  %6.2fs (", up.Seconds())
	for _, p := range res.Timings {
		fmt.Printf(" %s %.2fs", p.Phase, p.Duration.Seconds())
	}
	fmt.Printf(" )  down %.2fs\n", time.Since(start).Seconds())
	return nil
}

// benchRing is the ring the measurements use, without background traffic.
func benchRing(nodes int) (*topology.Topology, error) {
	dir, err := os.MkdirTemp("", "topo-bench-swarm-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "bench.yaml")
	src := fmt.Sprintf("name: bench\nlayout: ring\nnodes: %d\ntraffic: {interval: 0}\nnetwork: {routing: none}\n", nodes)
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		return nil, err
	}
	return topology.Load(file)
}

// rawSwarm times the engine calls of a ring's resources, workers at once:
// overlay networks, services created, started (until their task runs) and
// removed, networks removed; per item, in wall time over the lot.
func rawSwarm(ctx context.Context, o *orchestrator.Orchestrator, t *topology.Topology, image string, workers int) error {
	d, err := o.Plan(ctx, t, orchestrator.PlanOptions{Name: "bench-raw"})
	if err != nil {
		return err
	}
	nets, specs, err := orchestrator.Specs(d.Plan, orchestrator.SpecOptions{Image: image, ByName: true})
	if err != nil {
		return err
	}
	rt := o.Runtime()
	ids := make([]string, len(specs))
	steps := []struct {
		name string
		n    int
		f    func(ctx context.Context, i int) error
	}{
		{"overlay create", len(nets), func(ctx context.Context, i int) error { _, err := rt.CreateNetwork(ctx, nets[i]); return err }},
		{"service create", len(specs), func(ctx context.Context, i int) (err error) {
			ids[i], err = rt.CreateContainer(ctx, specs[i])
			return err
		}},
		{"service start", len(specs), func(ctx context.Context, i int) error { return rt.StartContainer(ctx, ids[i]) }},
		{"service remove", len(specs), func(ctx context.Context, i int) error { return rt.RemoveContainer(ctx, ids[i]) }},
		{"overlay remove", len(nets), func(ctx context.Context, i int) error { return rt.RemoveNetwork(ctx, nets[i].Name) }},
	}
	fmt.Printf("engine calls, %d at once:", workers)
	for _, s := range steps {
		start := time.Now()
		if err := each(ctx, workers, s.n, s.f); err != nil {
			_, _ = o.Down(context.WithoutCancel(ctx), "bench-raw", orchestrator.DownOptions{})
			return fmt.Errorf("%s: %w", s.name, err)
		}
		fmt.Printf("  %s %.0f ms", s.name, float64(time.Since(start).Milliseconds())/float64(s.n))
	}
	fmt.Println("  (per item)")
	if left, err := rt.ListNetworks(ctx, map[string]string{engine.LabelTopology: "bench-raw"}); err != nil || len(left) > 0 {
		return fmt.Errorf("left behind: %v %v", left, err)
	}
	return nil
}

// openSwarmRing opens the swarm the engine manages, with the bench's ring
// of nodes and the node image built for it. close closes the engine.
func openSwarmRing(ctx context.Context, nodes int) (o *orchestrator.Orchestrator, t *topology.Topology, image string, close func(), err error) {
	o, close, err = topo.Open(ctx, topo.Options{Engine: topo.EngineSwarm})
	if err != nil {
		return nil, nil, "", nil, err
	}
	if t, err = benchRing(nodes); err == nil {
		image, err = o.NodeImage(ctx)
	}
	if err != nil {
		close()
		return nil, nil, "", nil, err
	}
	return o, t, image, close, nil
}
