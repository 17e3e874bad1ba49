// Command bench compares, in one run and interleaved over several rounds,
// the time to bring a topology up and down three ways on this engine: the
// engine floor (raw engine calls for the same networks and containers,
// with bounded concurrency and no readiness wait), docker-compose on topo's
// own export (up -d waits for nothing), and topo (until every node is
// ready). It prints each round and the ratios of the medians.
//
//	go run ./bench -layout ring -nodes 30 -rounds 3
//	go run ./bench -routing none   # without the route helper each node gets
//	go run ./bench -hops 30   # one-way time per hop, against the kernel's and a bare Go echo's (bench/echo), and a link's rate
//
// It needs a Docker engine and docker-compose, and removes everything it
// makes, images aside from the node image topo builds anyway.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	topo "github.com/topo-dev/topo"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

func main() {
	layout := flag.String("layout", "ring", "the layout to bring up")
	nodes := flag.Int("nodes", 30, "how many nodes")
	rounds := flag.Int("rounds", 3, "rounds of each way, interleaved")
	workers := flag.Int("workers", orchestrator.DefaultMaxWorkers, "engine calls in flight at once, for the floor and topo")
	routing := flag.String("routing", "ip", "the topology's network.routing: ip (a route helper per node) or none")
	hopSends := flag.Int("hops", 0, "instead, time `N` messages across a star's hub against N kernel pings")
	flag.Parse()
	if *hopSends > 0 {
		if err := runHops(*hopSends); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if *swarmBench {
		os.Exit(benchSwarm(*nodes, *workers))
	}
	if err := run(*layout, *nodes, *rounds, *workers, *routing); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// timing is one way's up and down in one round.
type timing struct{ up, down time.Duration }

func run(layout string, nodes, rounds, workers int, routing string) error {
	ctx := context.Background()
	o, closeEngine, err := topo.Open(ctx, topo.Options{})
	if err != nil {
		return err
	}
	defer closeEngine()
	dir, err := os.MkdirTemp("", "topo-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "bench.yaml")
	src := fmt.Sprintf("name: bench\nlayout: %s\nnodes: %d\ntraffic: {interval: 0}\nnetwork: {routing: %s}\n", layout, nodes, routing)
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		return err
	}
	t, err := topology.Load(file)
	if err != nil {
		return err
	}
	image, err := o.NodeImage(ctx) // built once, outside every timing
	if err != nil {
		return err
	}
	ways := []struct {
		name string
		do   func(context.Context) (timing, error)
	}{
		{"engine floor", func(ctx context.Context) (timing, error) { return floor(ctx, o, t, image, workers) }},
		{"docker-compose", func(ctx context.Context) (timing, error) { return composeWay(ctx, o, t, dir) }},
		{"topo", func(ctx context.Context) (timing, error) { return topoWay(ctx, o, t, workers) }},
	}
	results := make([][]timing, len(ways))
	for r := range rounds {
		for i, w := range ways {
			tm, err := w.do(ctx)
			if err != nil {
				return fmt.Errorf("round %d, %s: %w", r+1, w.name, err)
			}
			results[i] = append(results[i], tm)
			fmt.Printf("round %d  %-15s up %6.2fs  down %6.2fs\n", r+1, w.name, tm.up.Seconds(), tm.down.Seconds())
		}
	}
	report(layout, nodes, ways[0].name, results)
	return nil
}

// report prints the medians and how topo compares.
func report(layout string, nodes int, _ string, results [][]timing) {
	med := func(ts []timing, up bool) time.Duration {
		var ds []time.Duration
		for _, t := range ts {
			if up {
				ds = append(ds, t.up)
			} else {
				ds = append(ds, t.down)
			}
		}
		return median(ds)
	}
	fl, dc, tp := results[0], results[1], results[2]
	fmt.Printf("\n%s of %d, medians: floor up %.2fs down %.2fs; docker-compose up %.2fs down %.2fs; topo up %.2fs down %.2fs\n",
		layout, nodes, med(fl, true).Seconds(), med(fl, false).Seconds(), med(dc, true).Seconds(), med(dc, false).Seconds(),
		med(tp, true).Seconds(), med(tp, false).Seconds())
	fmt.Printf("topo up: %.2f× the floor, %.2f× docker-compose (which waits for nothing); topo down: %.2f× the floor\n",
		ratio(med(tp, true), med(fl, true)), ratio(med(tp, true), med(dc, true)), ratio(med(tp, false), med(fl, false)))
}

func ratio(a, b time.Duration) float64 { return a.Seconds() / b.Seconds() }
