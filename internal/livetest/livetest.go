// Package livetest is the shared frame of topo's tests that drive the real
// Docker engine: it fails loudly in CI when the engine is unreachable, hands
// out topology names unique to the test run, and checks at the end that
// nothing the package created is left behind.
package livetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	topo "github.com/topo-dev/topo"
	"github.com/topo-dev/topo/docker"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/flock"
	"github.com/topo-dev/topo/internal/nodeimage"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topotest"
)

var (
	skipReason string
	runPrefix  string
	counter    atomic.Int64
)

// Main runs a package's tests. prefix (a few letters) starts the name of
// every topology the package creates, so that the leak check at the end
// looks only at this package's resources while other packages run.
func Main(m *testing.M, prefix string) {
	os.Exit(run(m, prefix))
}

func run(m *testing.M, prefix string) int {
	topotest.SetTestcontainersDefaults()
	widenParallel()

	b := make([]byte, 2)
	_, _ = rand.Read(b)
	runPrefix = prefix + hex.EncodeToString(b)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	rt, err := docker.New(ctx)
	cancel()
	switch {
	case err == nil:
		defer rt.Close()
	case os.Getenv("CI") == "true":
		fmt.Fprintf(os.Stderr, "FAIL: live tests need a Docker engine in CI (CI=true): %v\n", err)
		return 1
	default:
		skipReason = fmt.Sprintf("no Docker engine, live tests skipped: %v", err)
		fmt.Fprintln(os.Stderr, "NOTE:", skipReason)
		return m.Run()
	}

	// go test runs packages in parallel processes that share the node
	// image. Each holds a shared lock while it runs; the last one out, the
	// one that gets the lock exclusively, removes the image. The first one
	// in, who gets it exclusively too, notes for the last one whether the
	// user had topo-node:latest before the run.
	lock, err := flock.Open("topo-livetest.lock")
	if err == nil {
		if first, _ := lock.TryLock(false); first {
			noteLatest(rt, lock)
		}
		err = lock.Lock(context.Background(), true)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: livetest: %v\n", err)
		return 1
	}
	defer lock.Close()

	code := m.Run()
	leaked, err := sweep(rt)
	if len(leaked) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: tests left resources behind (now removed): %s\n", strings.Join(leaked, ", "))
		code = 1
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: leak check: %v\n", err)
		code = 1
	}
	lock.Unlock()
	if last, _ := lock.TryLock(false); last {
		ctx, cancel = context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		restoreLatest(ctx, rt, lock)
		if err := nodeimage.Remove(ctx, rt); err != nil {
			fmt.Fprintf(os.Stderr, "note: removing node images: %v\n", err)
		}
	}
	return code
}

// liveParallel is how many parallel tests a live package runs at once
// unless -test.parallel says otherwise. go test's default, GOMAXPROCS (2
// here), suits tests that compute; a live test mostly waits (for the
// engine to start a container, for readiness, for a fault's timeline), and
// with two at a time the last live package of a run, alone, left the
// machine half idle.
const liveParallel = 4

// widenParallel sets -test.parallel to liveParallel when the command line
// did not set it.
func widenParallel() {
	if !flag.Parsed() {
		flag.Parse()
	}
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set && runtime.GOMAXPROCS(0) < liveParallel {
		_ = flag.Set("test.parallel", strconv.Itoa(liveParallel))
	}
}

// The lock file's note on topo-node:latest, from the first test process in
// to the last one out.
const latestAbsent = nodeimage.LatestTag + " absent before the run\n"

// noteLatest records, holding the lock exclusively, whether
// topo-node:latest exists. Anything but a sure "absent" leaves it be.
func noteLatest(rt engine.Runtime, lock *flock.File) {
	if err := lock.SetNote(""); err != nil {
		return // read only: nothing noted, nothing restored
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if ok, err := rt.ImageExists(ctx, nodeimage.LatestTag); err == nil && !ok {
		_ = lock.SetNote(latestAbsent)
	}
}

// restoreLatest removes the topo-node:latest tag, holding the lock
// exclusively, when it was absent before the run: RestoreLatest does that
// after each test that tags it, but a test in another package, which saw
// the tag a test here had just added, leaves it be.
func restoreLatest(ctx context.Context, rt engine.Runtime, lock *flock.File) {
	note, err := lock.Note()
	if err != nil || note != latestAbsent {
		return
	}
	if err := rt.RemoveImage(ctx, nodeimage.LatestTag); err != nil && !ignorable(err) {
		fmt.Fprintf(os.Stderr, "note: removing the %s tag the tests added: %v\n", nodeimage.LatestTag, err)
	}
	// The note stays: it holds again now, for a package that started
	// while this one was last out, and so did not get to be first in.
}

// RestoreLatest is for a test that tags the node image topo-node:latest,
// as `topo build` does: call it before. When topo-node:latest did not exist
// then, the tag is removed again when t ends (the image goes with it when
// it has no other tag and nothing uses it). When it did, it stays, naming
// the current agent's image as after a `topo build`.
func RestoreLatest(t testing.TB, rt engine.Runtime) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	existed, err := rt.ImageExists(ctx, nodeimage.LatestTag)
	if err != nil {
		t.Fatalf("livetest: %v", err)
	}
	if existed {
		return
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := rt.RemoveImage(ctx, nodeimage.LatestTag); err != nil && !ignorable(err) {
			t.Errorf("livetest: remove the %s tag the test added: %v", nodeimage.LatestTag, err)
		}
	})
}

// ignorable errors of a removal: in use, or already gone.
func ignorable(err error) bool {
	return errors.Is(err, engine.ErrConflict) || errors.Is(err, engine.ErrNotFound)
}

// labelProbe marks topotest's probe containers with the topology they
// observe (topotest.LabelProbe).
const labelProbe = "topo.probe"

// sweep removes and reports this run's containers, probes and networks.
// A failure to list or remove them is an error: the check could not look.
func sweep(rt engine.Runtime) (leaked []string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var errs []error
	ours := func(labels map[string]string, key string) bool {
		return strings.HasPrefix(labels[key], runPrefix)
	}
	for _, key := range []string{engine.LabelTopology, engine.LabelHelper, labelProbe} {
		cs, err := rt.ListContainers(ctx, map[string]string{key: ""})
		if err != nil {
			errs = append(errs, fmt.Errorf("list containers labelled %s: %w", key, err))
			continue
		}
		for _, c := range cs {
			if !ours(c.Labels, key) {
				continue
			}
			what := "container "
			switch key {
			case labelProbe:
				what = "probe container "
			case engine.LabelHelper:
				what = "helper container "
			}
			leaked = append(leaked, what+c.Name)
			if err := rt.RemoveContainer(ctx, c.ID); err != nil && !errors.Is(err, engine.ErrNotFound) {
				errs = append(errs, err)
			}
		}
	}
	ns, err := rt.ListNetworks(ctx, map[string]string{engine.LabelTopology: ""})
	if err != nil {
		errs = append(errs, fmt.Errorf("list networks: %w", err))
	}
	for _, n := range ns {
		if !ours(n.Labels, engine.LabelTopology) {
			continue
		}
		leaked = append(leaked, "network "+n.Name)
		if err := rt.RemoveNetwork(ctx, n.ID); err != nil && !errors.Is(err, engine.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	return leaked, errors.Join(errs...)
}

// Require skips t when there is no engine outside CI.
func Require(t testing.TB) {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
}

// Name returns a topology name unique to this test run that starts with
// the package's prefix, e.g. "or3fa2-star-4".
func Name(t testing.TB, base string) string {
	t.Helper()
	n := fmt.Sprintf("%s-%s-%d", runPrefix, base, counter.Add(1))
	if len(n) > 40 {
		t.Fatalf("livetest: name %q is longer than 40 characters; use a shorter base", n)
	}
	return n
}

// Prefix is the start of every name Name returns in this run.
func Prefix() string { return runPrefix }

// Runtime connects to the engine, or skips t outside CI when there is none.
// The connection is closed when t ends.
func Runtime(t testing.TB) *docker.Client {
	t.Helper()
	Require(t)
	rt, err := docker.New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close() })
	return rt
}

// StandIn returns build options for the agent stand-in
// (internal/nodeimage/testdata/standin) that give t a node image of its own, and the
// content tag nodeimage.Ensure returns for them. The stand-in is copied into
// a module named uniquely, a name its binary records, so that no other test,
// in this run or another, shares the image; that makes it safe to remove by
// its tag, which happens when t ends. Node images other tests share are
// Main's to remove, at the very end.
func StandIn(t testing.TB, rt engine.Runtime) (opts nodeimage.Options, tag string) {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(file) {
		t.Fatal("livetest: cannot locate the checkout to copy the stand-in from")
	}
	src, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "internal", "nodeimage", "testdata", "standin", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	dir := t.TempDir()
	gomod := "module topo.test/standin-" + hex.EncodeToString(b) + "\n\ngo 1.22\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	opts = nodeimage.Options{SourceDir: dir, Package: "."}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	im, err := nodeimage.Build(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeImage(t, rt, im.Tag) })
	return opts, im.Tag
}

// Engine connects to the engine, or skips t outside CI when there is none.
func Engine(t testing.TB) *orchestrator.Orchestrator {
	t.Helper()
	Require(t)
	o, closeFn, err := topo.Open(context.Background(), topo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeFn)
	return o
}

// Leftovers lists the containers and networks still labelled with name.
func Leftovers(t testing.TB, o *orchestrator.Orchestrator, name string) []string {
	t.Helper()
	ctx := context.Background()
	sel := map[string]string{engine.LabelTopology: name}
	cs, err := o.Runtime().ListContainers(ctx, sel)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := o.Runtime().ListNetworks(ctx, sel)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range cs {
		out = append(out, "container "+c.Name)
	}
	for _, n := range ns {
		out = append(out, "network "+n.Name)
	}
	slices.Sort(out)
	return out
}
