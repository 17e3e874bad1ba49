package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/orchestrator"
)

// swarmHosts, with -swarm, compares instead a ring's up and down on a
// single-node swarm of the local engine and on a swarm of that many
// engines on this machine (livetest.SwarmN: extra dockerd in network
// namespaces of their own, on a bridge; root, dockerd, nsenter and ip
// needed), each made for the run and undone after it. The local engine
// must be in no swarm.
//
//	sudo go run ./bench -swarm -hosts 3 -nodes 12
var swarmHosts = flag.Int("hosts", 0, "with -swarm: compare up/down of the ring on a single-node swarm and on a swarm of `N` engines on this machine")

// benchSwarmHosts runs the -swarm -hosts comparison and returns the exit
// code.
func benchSwarmHosts(nodes, workers, hosts int) int {
	fmt.Printf("swarm, ring of %d (routing none), %d workers: up and down on 1 engine and on %d\n", nodes, workers, hosts)
	for _, n := range []int{1, hosts} {
		err := withT(func(t *benchT) error {
			if n == 1 {
				livetest.Swarm(t)
				return ringUpDown(n, nodes, workers, nil)
			}
			c := livetest.SwarmN(t, n-1)
			return ringUpDown(n, nodes, workers, func(image string) { c.LoadImages(t, image) })
		})
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench -swarm -hosts %d: %v\n", n, err)
			return 1
		}
	}
	return 0
}

// ringUpDown brings the ring up and down on the swarm the engine manages,
// once load has put the node image on every other host, and prints a row.
func ringUpDown(hosts, nodes, workers int, load func(image string)) error {
	ctx := context.Background()
	o, t, image, closeEngine, err := openSwarmRing(ctx, nodes)
	if err != nil {
		return err
	}
	defer closeEngine()
	if load != nil {
		load(image)
	}
	start := time.Now()
	res, err := o.Up(ctx, t, orchestrator.UpOptions{Name: "bench-hosts", MaxWorkers: workers})
	up := time.Since(start)
	start = time.Now()
	_, derr := o.Down(ctx, "bench-hosts", orchestrator.DownOptions{MaxWorkers: workers})
	down := time.Since(start)
	if err = errors.Join(err, derr); err != nil {
		return err
	}
	fmt.Printf("%d engine(s): up %6.2fs (", hosts, up.Seconds())
	for _, p := range res.Timings {
		fmt.Printf(" %s %.2fs", p.Phase, p.Duration.Seconds())
	}
	fmt.Printf(" )  down %.2fs\n", down.Seconds())
	return nil
}

// benchT is the testing.TB that livetest's swarms are made with, in a
// program: it logs to stderr, ends the run on Fatal or Skip, and runs the
// cleanups when the run ends. Only the methods below are called; the
// embedded interface is nil.
type benchT struct {
	testing.TB
	cleanups []func()
	failed   error
}

func (b *benchT) Helper()          {}
func (b *benchT) Name() string     { return "bench" }
func (b *benchT) Cleanup(f func()) { b.cleanups = append(b.cleanups, f) }
func (b *benchT) TempDir() string {
	d, err := os.MkdirTemp("", "topo-bench-")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = os.RemoveAll(d) })
	return d
}
func (b *benchT) Logf(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }
func (b *benchT) Errorf(f string, a ...any) {
	b.failed = errors.Join(b.failed, fmt.Errorf(f, a...))
	b.Logf(f, a...)
}
func (b *benchT) Fatal(a ...any)            { b.Fatalf("%s", fmt.Sprint(a...)) }
func (b *benchT) Fatalf(f string, a ...any) { b.Errorf(f, a...); runtime.Goexit() }
func (b *benchT) Skip(a ...any)             { b.Fatal(a...) }
func (b *benchT) Skipf(f string, a ...any)  { b.Fatalf(f, a...) }

// withT runs f with a benchT in a goroutine of its own (Fatal ends it),
// then the cleanups, last first, and returns what failed.
func withT(f func(t *benchT) error) error {
	b := &benchT{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			for i := len(b.cleanups) - 1; i >= 0; i-- {
				b.cleanups[i]()
			}
		}()
		if err := f(b); err != nil {
			b.failed = errors.Join(b.failed, err)
		}
	}()
	<-done
	return b.failed
}
