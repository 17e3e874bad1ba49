// Command bench compares, in one run and interleaved over several rounds,
// the time to bring a topology up and down three ways on this engine: the
// engine floor (raw engine calls for the same networks and containers,
// with bounded concurrency and no readiness wait), docker-compose on topo's
// own export (up -d waits for nothing), and topo (until every node is
// ready). It prints each round and the ratios of the medians.
//
//	go run ./bench -all -rounds 2 -json figures.json   # every row of issue #30's table, in one run (below)
//	go run ./bench -all -compare figures.json         # the same, with each row's change since that file
//	go run ./bench -layout ring -nodes 30 -rounds 3
//	go run ./bench -routing none   # without the route helper each node gets
//	go run ./bench -routing both -compose=false   # topo with and without route helpers, in the same rounds
//	go run ./bench -hops 30   # one-way time per hop, against the kernel's and a bare Go echo's (bench/echo), and a link's rate
//	go run ./bench -netns -nodes 30   # the ways to install a running ring's routes: a helper per node, an exec per node, one helper
//
// With -all it prints, in one run, each row of the table of goals: a ring
// of -nodes (30) up against docker-compose and against the floor (with
// routing: ip, the default), its down against the floor (the three
// interleaved over -rounds), a bus of -bus-nodes (250, default settings)
// up until ready against the floor for the same containers on its one
// network (-bus-rounds, 1), and a hop's one-way time against the kernel's
// with a bare echo's beside it (30 messages a round, -rounds rounds). Each
// row gives topo's figure, the floor's, docker-compose's where it applies,
// the ratio, the goal and whether it is met. -json writes the figures
// (seconds, ratios, date, engine version, rounds); -compare reads such a
// file and prints each row's change beside it.
//
// It needs a Docker engine and docker-compose, and removes everything it
// makes, images aside from the node image topo builds anyway, also after
// a failure or Ctrl-C: each resource carries a topo.topology label with
// one of bench's names (bench-floor, bench-topo, …), and bench removes by
// those labels whatever a round left before it ends.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/topo-dev/topo/orchestrator"
)

func main() {
	layout := flag.String("layout", "ring", "the layout to bring up")
	nodes := flag.Int("nodes", 30, "how many nodes")
	rounds := flag.Int("rounds", 3, "rounds of each way, interleaved")
	workers := flag.Int("workers", orchestrator.DefaultMaxWorkers, "engine calls in flight at once, for the floor and topo")
	routing := flag.String("routing", "ip", "the topology's network.routing: ip (a route helper per node), none, or both (topo both ways, in the same rounds)")
	hopSends := flag.Int("hops", 0, "instead, time `N` messages across a star's hub against N kernel pings")
	withCompose := flag.Bool("compose", true, "time docker-compose too")
	netns := flag.Bool("netns", false, "instead, time the ways to install the routes of a running ring of -nodes")
	all := flag.Bool("all", false, "instead, every row of issue #30's table in one run: a ring of -nodes, a bus of -bus-nodes and a hop")
	busNodes := flag.Int("bus-nodes", 250, "with -all: the bus's nodes")
	busRounds := flag.Int("bus-rounds", 1, "with -all: rounds of the bus, floor and topo interleaved")
	jsonOut := flag.String("json", "", "with -all: write the figures to `FILE`")
	compareTo := flag.String("compare", "", "with -all: print each row's change since the figures in `FILE` (written by -json)")
	flag.Parse()
	ctx, stop := interruptible(context.Background())
	defer stop()
	var err error
	switch {
	case *all:
		err = runAll(ctx, allOptions{ringNodes: *nodes, busNodes: *busNodes, rounds: *rounds, busRounds: *busRounds,
			workers: *workers, hopSends: orDefault(*hopSends, 30), jsonOut: *jsonOut, compareTo: *compareTo})
	case *netns:
		err = runNetns(ctx, *nodes, *rounds, *workers)
	case *hopSends > 0:
		err = runHops(ctx, *hopSends)
	case *swarmBench && *swarmHosts > 0:
		os.Exit(benchSwarmHosts(*nodes, *workers, *swarmHosts))
	case *swarmBench:
		os.Exit(benchSwarm(*nodes, *workers))
	default:
		err = run(ctx, *layout, *nodes, *rounds, *workers, *routing, *withCompose)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		stop()
		os.Exit(1)
	}
}

// orDefault is v, or def when v is not positive.
func orDefault(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

func run(ctx context.Context, layout string, nodes, rounds, workers int, routing string, withCompose bool) error {
	s, closeSession, err := openSession(ctx, workers)
	if err != nil {
		return err
	}
	defer closeSession()
	first := routing
	if routing == "both" {
		first = "ip"
	}
	t, err := s.load(benchSrc(layout, nodes, first))
	if err != nil {
		return err
	}
	ways := []way{s.floorWay(t), s.composeWay(t), s.topoWay("topo", t)}
	if !withCompose {
		ways = slices.Delete(ways, 1, 2)
	}
	if routing == "both" {
		none, err := s.load(benchSrc(layout, nodes, "none"))
		if err != nil {
			return err
		}
		ways = append(ways, s.topoWay("topo, routing none", none))
	}
	results, err := interleave(ctx, ways, rounds)
	if err != nil {
		return err
	}
	names := make([]string, len(ways))
	for i, w := range ways {
		names[i] = w.name
	}
	report(layout, nodes, names, results)
	return nil
}

// report prints the medians of every way and how each compares with the
// first (the floor), and topo with docker-compose when both ran.
func report(layout string, nodes int, names []string, results [][]timing) {
	fmt.Printf("\n%s of %d, medians (ratios within this run):\n", layout, nodes)
	fl := medians(results[0])
	for i, name := range names {
		m := medians(results[i])
		fmt.Printf("  %-20s up %6.2fs (%.2f× the floor)  down %6.2fs (%.2f× the floor)\n",
			name, m.up.Seconds(), ratio(m.up, fl.up), m.down.Seconds(), ratio(m.down, fl.down))
	}
	dc, tp := slices.Index(names, "docker-compose"), slices.Index(names, "topo")
	if dc >= 0 && tp >= 0 {
		fmt.Printf("topo up: %.2f× docker-compose (which waits for nothing)\n", ratio(medians(results[tp]).up, medians(results[dc]).up))
	}
}

func ratio(a, b time.Duration) float64 { return a.Seconds() / b.Seconds() }
