package topotest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/testcontainers/testcontainers-go"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
)

// runLabels name this test process on everything topotest creates, so
// that the next run of the same test binary, or `topo ls`, can tell that a
// killed run left it behind.
func runLabels() map[string]string {
	self := orchestrator.CurrentTestRun()
	return map[string]string{engine.LabelTestRun: self.String(), engine.LabelTestBinary: self.Binary}
}

// reapOnce makes the first Up of a process remove what killed runs left.
var reapOnce sync.Once

// reap runs RemoveLeftovers once a process. A failure to look is logged,
// not failed: it is no fault of the test that happens to come first.
func reap(ctx context.Context, t testing.TB, o *orchestrator.Orchestrator) {
	reapOnce.Do(func() {
		removed, err := RemoveLeftovers(ctx, o)
		if len(removed) > 0 {
			t.Logf("topotest: removed what killed runs of %s left: %v", orchestrator.CurrentTestRun().Binary, removed)
		}
		if err != nil {
			t.Logf("topotest: %v", err)
		}
	})
}

// RemoveLeftovers removes what earlier runs of this test binary left
// behind when they were killed before their cleanups ran (SIGKILL, a
// timeout, a crash): each topology, and each probe, that a test run of the
// binary created and whose process is gone (orchestrator.TestRun.Over).
// The first Up of a process calls it, as testcontainers' reaper would
// clean up after a killed run. It returns the names of the topologies it
// removed. Runs that are alive, on another host or in another container,
// are left be.
func RemoveLeftovers(ctx context.Context, o *orchestrator.Orchestrator) ([]string, error) {
	binary := orchestrator.CurrentTestRun().Binary
	dead, err := deadTopologies(ctx, o, binary)
	if err != nil {
		return nil, fmt.Errorf("leftovers of %s: %w", binary, err)
	}
	var errs []error
	// Probes go first: a network with a probe on it cannot be removed.
	probes, err := o.Runtime().ListContainers(ctx, map[string]string{engine.LabelTestBinary: binary, LabelProbe: ""})
	if err != nil {
		errs = append(errs, err)
	}
	for _, p := range probes {
		if !allOver([]map[string]string{p.Labels}) {
			continue
		}
		if err := o.Runtime().RemoveContainer(ctx, p.ID); err != nil && !errors.Is(err, engine.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	var removed []string
	for _, name := range dead {
		if _, err := o.Down(ctx, name, orchestrator.DownOptions{}); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, name)
	}
	if err := errors.Join(errs...); err != nil {
		return removed, fmt.Errorf("leftovers of %s: %w", binary, err)
	}
	return removed, nil
}

// deadTopologies names the topologies that runs of binary left: those `topo
// ls` marks as leftovers, and those of which only networks are left (a run
// killed while it created them), when every network's run is over.
func deadTopologies(ctx context.Context, o *orchestrator.Orchestrator, binary string) ([]string, error) {
	tops, err := o.List(ctx)
	if err != nil {
		return nil, err
	}
	var dead []string
	listed := map[string]bool{}
	for _, t := range tops {
		listed[t.Name] = true
		if t.Leftover != nil && t.Leftover.Binary == binary {
			dead = append(dead, t.Name)
		}
	}
	ns, err := o.Runtime().ListNetworks(ctx, map[string]string{engine.LabelTestBinary: binary})
	if err != nil {
		return nil, err
	}
	nets := map[string][]map[string]string{}
	for _, n := range ns {
		if name := n.Labels[engine.LabelTopology]; name != "" && !listed[name] {
			nets[name] = append(nets[name], n.Labels)
		}
	}
	for name, labels := range nets {
		if allOver(labels) {
			dead = append(dead, name)
		}
	}
	slices.Sort(dead)
	return dead, nil
}

// allOver reports whether every resource of these labels was made by a
// test run that is over.
func allOver(labels []map[string]string) bool {
	for _, l := range labels {
		if !orchestrator.TestRunOver(l[engine.LabelTestRun]) {
			return false
		}
	}
	return len(labels) > 0
}

// Environment variables of testcontainers-go.
const (
	ryukDisabledEnv = "TESTCONTAINERS_RYUK_DISABLED"
	hostOverrideEnv = "TESTCONTAINERS_HOST_OVERRIDE"
)

// probeEnvOnce scopes what Probe asks of testcontainers-go to processes
// that start a probe, and to its first one: testcontainers-go reads its
// settings once.
var probeEnvOnce sync.Once

// probeEnv turns testcontainers' reaper (Ryuk) off only where it cannot
// run: its image is not on the engine, and, without registry access, it
// would fail every probe pulling it. Where its image is there, or the
// variable is set, it is left to the user. Probes of a killed run are
// removed by RemoveLeftovers either way.
func probeEnv(ctx context.Context, rt engine.Runtime) {
	probeEnvOnce.Do(func() {
		if os.Getenv(ryukDisabledEnv) == "" {
			//lint:ignore SA1019 the image testcontainers' reaper runs, which it exports only as deprecated
			ok, err := rt.ImageExists(ctx, testcontainers.ReaperDefaultImage)
			if err != nil || !ok {
				os.Setenv(ryukDisabledEnv, "true")
			}
		}
		if os.Getenv(hostOverrideEnv) == "" {
			os.Setenv(hostOverrideEnv, "localhost")
		}
	})
}
