package topotest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/topotest"
)

// TestIntegrationApply changes a running client-server LAN, with a node of
// a user's image (busybox) on it, between steps of a test: Apply of a file
// with another delay changes it in place and returns what it did, the
// containers stay, the plan says the new delay and a message still
// crosses; Apply of the file unchanged does nothing; Apply of a file with
// a second busybox node adds it in place, keeping every container; Apply
// of a file with another pool fails the test with up's refusal, and
// touches nothing.
func TestIntegrationApply(t *testing.T) {
	t.Parallel()
	livetest.Require(t)
	image := livetest.Busybox(t, livetest.Engine(t).Runtime())
	dir := t.TempDir()
	file := func(base, delay string, boxes ...string) string {
		src := fmt.Sprintf("layout: client-server\nlink: {delay: %s}\nnodes:\n  - {name: server, role: server}\n  - client1\n  - client2\n", delay)
		for _, b := range boxes {
			src += fmt.Sprintf("  - {name: %s, image: %q, command: [/bin/busybox, sleep, \"3600\"]}\n", b, image)
		}
		path := filepath.Join(dir, base+".yaml")
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	top := topotest.Up(t, file("lan", "5ms", "box1"), topotest.WithName(livetest.Name(t, "apply")), topotest.WithInterval(0))
	before := containers(t, top)

	got := top.Apply(t, file("slower", "20ms", "box1"))
	if want := []string{"~ segment lan delay 5ms → 20ms"}; !slices.Equal(got, want) {
		t.Fatalf("Apply: %q, want %q", got, want)
	}
	if after := containers(t, top); !slices.Equal(before, after) {
		t.Errorf("containers %v → %v; Apply made some again", before, after)
	}
	if s, _ := top.Plan.Segment("lan"); s == nil || s.Impairment.Delay.String() != "20ms" {
		t.Errorf("the plan after Apply says %+v", s)
	}
	if r := top.Send(t, "client1", "client2", "after"); !r.Delivered {
		t.Errorf("send after Apply: %+v", r)
	}
	if got := top.Apply(t, file("slower", "20ms", "box1")); len(got) != 0 {
		t.Errorf("Apply of the same file again: %q, want nothing", got)
	}

	got = top.Apply(t, file("more", "20ms", "box1", "box2"))
	if !slices.Contains(got, "+ node box2") {
		t.Errorf("Apply of a file with a second busybox node: %q, want + node box2", got)
	}
	grown := containers(t, top)
	if len(grown) != len(before)+1 || !kept(before, grown) {
		t.Errorf("containers %v → %v; want the same and box2", before, grown)
	}

	pooled := filepath.Join(dir, "pooled.yaml")
	src, err := os.ReadFile(file("more", "20ms", "box1", "box2"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pooled, append(src, "network: {pool: 10.99.0.0/16}\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	msg, failed := fatalOf(t, func(tb testing.TB) { top.Apply(tb, pooled) })
	for _, w := range []string{"network.pool changed (to 10.99.0.0/16)", "topo down "} {
		if !failed || !strings.Contains(msg, w) {
			t.Errorf("Apply of a file with another pool (failed %v): %q lacks %q", failed, msg, w)
		}
	}
	if after := containers(t, top); !slices.Equal(grown, after) {
		t.Errorf("containers %v → %v after a refused Apply", grown, after)
	}
}

// kept reports whether every container of before is in after.
func kept(before, after []string) bool {
	for _, c := range before {
		if !slices.Contains(after, c) {
			return false
		}
	}
	return true
}

// containers are the IDs of the topology's containers, by node, sorted.
func containers(t *testing.T, top *topotest.Topology) []string {
	t.Helper()
	cs, err := top.Orchestrator().Runtime().ListContainers(t.Context(), map[string]string{engine.LabelTopology: top.Name})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.Labels[engine.LabelNode]+"="+c.ID)
	}
	slices.Sort(ids)
	return ids
}

// fatalOf runs f with a testing.TB whose Fatal ends f, and returns what f
// failed with, if it did.
func fatalOf(t *testing.T, f func(testing.TB)) (string, bool) {
	r := &recorder{TB: t}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		f(r)
	}()
	wg.Wait()
	return r.msg, r.failed
}

// recorder is a testing.TB whose Fatalf records the message and ends the
// goroutine, as the testing package's does, without failing the test.
type recorder struct {
	testing.TB
	msg    string
	failed bool
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.msg, r.failed = fmt.Sprintf(format, args...), true
	runtime.Goexit()
}
