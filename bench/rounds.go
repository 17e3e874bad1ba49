package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	topo "github.com/topo-dev/topo"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// timing is one way's up and down in one round.
type timing struct{ up, down time.Duration }

// way is one way to bring a topology up and down, timed.
type way struct {
	name string
	do   func(context.Context) (timing, error)
}

// session is what the up-and-down modes share for a run: the engine, the
// node image (built once, outside every timing, and kept for the run) and
// a folder for the topology files and compose exports.
type session struct {
	o       *orchestrator.Orchestrator
	image   string
	dir     string
	workers int
}

// openSession opens the engine and keeps the node image; its close
// removes the folder and lets the image go, and first removes anything a
// failed or interrupted round left under one of bench's names.
func openSession(ctx context.Context, workers int) (*session, func(), error) {
	o, closeEngine, err := topo.Open(ctx, topo.Options{})
	if err != nil {
		return nil, nil, err
	}
	s := &session{o: o, workers: workers}
	undo := []func(){closeEngine}
	closeAll := func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	if s.dir, err = os.MkdirTemp("", "topo-bench-"); err != nil {
		closeAll()
		return nil, nil, err
	}
	undo = append(undo, func() { os.RemoveAll(s.dir) })
	if s.image, err = o.NodeImage(ctx); err != nil {
		closeAll()
		return nil, nil, err
	}
	release, err := keepImage(ctx, o, s.image)
	if err != nil {
		closeAll()
		return nil, nil, err
	}
	undo = append(undo, release, func() { sweep(ctx, o) })
	return s, closeAll, nil
}

// load writes a topology's YAML to the session's folder and loads it, as
// a user's file would be.
func (s *session) load(src string) (*topology.Topology, error) {
	file := filepath.Join(s.dir, "bench.yaml")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		return nil, err
	}
	return topology.Load(file)
}

// benchSrc is the YAML of a topology of one layout for the up-and-down
// modes: no traffic, and network.routing as given (the default when "").
func benchSrc(layout string, nodes int, routing string) string {
	src := fmt.Sprintf("name: bench\nlayout: %s\nnodes: %d\ntraffic: {interval: 0}\n", layout, nodes)
	if routing != "" {
		src += fmt.Sprintf("network: {routing: %s}\n", routing)
	}
	return src
}

func (s *session) floorWay(t *topology.Topology) way {
	return way{"engine floor", func(ctx context.Context) (timing, error) { return floor(ctx, s.o, t, s.image, s.workers) }}
}

func (s *session) composeWay(t *topology.Topology) way {
	return way{"docker-compose", func(ctx context.Context) (timing, error) { return composeWay(ctx, s.o, t, s.dir) }}
}

func (s *session) topoWay(name string, t *topology.Topology) way {
	return way{name, func(ctx context.Context) (timing, error) { return topoWay(ctx, s.o, t, s.workers) }}
}

// interleave runs every way once a round, interleaved, so that the engine's
// load, which changes by the minute here, weighs on each alike; it prints
// each round and returns the timings, one list per way.
func interleave(ctx context.Context, ways []way, n int) ([][]timing, error) {
	results := make([][]timing, len(ways))
	for r := range n {
		for i, w := range ways {
			if err := ctx.Err(); err != nil { // interrupted: start no more
				return nil, err
			}
			tm, err := w.do(ctx)
			if err != nil {
				return nil, fmt.Errorf("round %d, %s: %w", r+1, w.name, err)
			}
			results[i] = append(results[i], tm)
			fmt.Printf("round %d  %-20s up %6.2fs  down %6.2fs\n", r+1, w.name, tm.up.Seconds(), tm.down.Seconds())
		}
	}
	return results, nil
}

// medians is the median up and the median down of ts.
func medians(ts []timing) timing {
	var ups, downs []time.Duration
	for _, t := range ts {
		ups, downs = append(ups, t.up), append(downs, t.down)
	}
	return timing{median(ups), median(downs)}
}

// benchNames are the topologies bench brings up, every one of its
// resources labelled with its name (topo.topology), docker-compose's too.
var benchNames = []string{"bench-floor", "bench-compose", "bench-topo", "bench-hops", "bench-ping", "bench-echo", "bench-burst"}

// sweep removes, by their labels, whatever a failed or interrupted round
// left behind under bench's names, and says so.
func sweep(ctx context.Context, o *orchestrator.Orchestrator) {
	ctx = context.WithoutCancel(ctx)
	for _, name := range benchNames {
		res, err := o.Down(ctx, name, orchestrator.DownOptions{})
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: removing what %s left: %v\n", name, err)
		}
		if res.Containers+res.Networks > 0 {
			fmt.Fprintf(os.Stderr, "bench: removed %d containers and %d networks left under %s\n", res.Containers, res.Networks, name)
		}
	}
}

// interruptible is ctx, ended by Ctrl-C or SIGTERM, after which every
// round removes what it made. A second Ctrl-C ends bench at once and may
// leave resources behind (`topo down bench-…` removes them).
func interruptible(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sig:
			fmt.Fprintln(os.Stderr, "bench: interrupted: removing what it made (Ctrl-C again to leave it)")
			signal.Stop(sig) // the next one ends the process
			cancel()
		case <-done:
		}
	}()
	return ctx, func() { close(done); signal.Stop(sig); cancel() }
}
