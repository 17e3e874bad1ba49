package livetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/flock"
	"github.com/topo-dev/topo/internal/nodeimage"
)

// fakeImages holds image tags; only the calls RestoreLatest and the
// first-in/last-out note make are implemented.
type fakeImages struct {
	engine.Runtime
	tags map[string]bool
}

func (f *fakeImages) ImageExists(_ context.Context, ref string) (bool, error) {
	return f.tags[ref], nil
}

func (f *fakeImages) RemoveImage(_ context.Context, ref string) error {
	if !f.tags[ref] {
		return fmt.Errorf("remove %s: %w", ref, engine.ErrNotFound)
	}
	delete(f.tags, ref)
	return nil
}

func TestRestoreLatest(t *testing.T) {
	for _, before := range []bool{false, true} {
		t.Run(fmt.Sprint("existed=", before), func(t *testing.T) {
			rt := &fakeImages{tags: map[string]bool{nodeimage.LatestTag: before}}
			t.Run("test", func(t *testing.T) {
				RestoreLatest(t, rt)
				rt.tags[nodeimage.LatestTag] = true // as topo build does
			})
			if rt.tags[nodeimage.LatestTag] != before {
				t.Errorf("after the test %s exists: %v, want %v as before", nodeimage.LatestTag, !before, before)
			}
		})
	}

	// Removed meanwhile by someone else: no complaint.
	rt := &fakeImages{tags: map[string]bool{}}
	t.Run("removed meanwhile", func(t *testing.T) { RestoreLatest(t, rt) })
}

// TestLatestNote: the last test process out removes the tag the tests added
// when the first one in found none, and only then.
func TestLatestNote(t *testing.T) {
	name := fmt.Sprintf("topo-livetest-test-%d.lock", time.Now().UnixNano())
	dir, err := flock.Dir()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Remove(filepath.Join(dir, name)) })
	lock, err := flock.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	ctx := context.Background()
	for _, before := range []bool{false, true} {
		rt := &fakeImages{tags: map[string]bool{nodeimage.LatestTag: before}}
		noteLatest(rt, lock)
		rt.tags[nodeimage.LatestTag] = true // a test in another package
		restoreLatest(ctx, rt, lock)
		if rt.tags[nodeimage.LatestTag] != before {
			t.Errorf("existed before %v, after the run %v", before, !before)
		}
	}
	// Nothing noted (a lock file another user made, read only): the tag stays.
	if err := lock.SetNote(""); err != nil {
		t.Fatal(err)
	}
	rt := &fakeImages{tags: map[string]bool{nodeimage.LatestTag: true}}
	restoreLatest(ctx, rt, lock)
	if !rt.tags[nodeimage.LatestTag] {
		t.Error("removed with nothing noted")
	}
}

// fakeSweep lists containers and networks by the one label asked for, with
// an empty value matching any, as the engine does.
type fakeSweep struct {
	engine.Runtime
	containers []engine.ContainerInfo
	networks   []engine.NetworkInfo
	listErr    error
	removed    []string
}

func matches(have, want map[string]string) bool {
	for k, v := range want {
		if got, ok := have[k]; !ok || v != "" && got != v {
			return false
		}
	}
	return true
}

func (f *fakeSweep) ListContainers(_ context.Context, want map[string]string) ([]engine.ContainerInfo, error) {
	var out []engine.ContainerInfo
	for _, c := range f.containers {
		if matches(c.Labels, want) {
			out = append(out, c)
		}
	}
	return out, f.listErr
}

func (f *fakeSweep) ListNetworks(_ context.Context, want map[string]string) ([]engine.NetworkInfo, error) {
	var out []engine.NetworkInfo
	for _, n := range f.networks {
		if matches(n.Labels, want) {
			out = append(out, n)
		}
	}
	return out, f.listErr
}

func (f *fakeSweep) RemoveContainer(_ context.Context, id string) error {
	f.removed = append(f.removed, id)
	return nil
}

func (f *fakeSweep) RemoveNetwork(_ context.Context, id string) error {
	f.removed = append(f.removed, id)
	return nil
}

func TestSweep(t *testing.T) {
	old := runPrefix
	runPrefix = "zz1234"
	t.Cleanup(func() { runPrefix = old })
	topo := func(v string) map[string]string { return map[string]string{engine.LabelTopology: v} }
	rt := &fakeSweep{
		containers: []engine.ContainerInfo{
			{ID: "c1", Name: "zz1234-star-1-hub", Labels: topo("zz1234-star-1")},
			{ID: "c2", Name: "other-hub", Labels: topo("zz9999-star-1")},
			{ID: "p1", Name: "probe", Labels: map[string]string{labelProbe: "zz1234-star-2"}},
			{ID: "p2", Name: "their-probe", Labels: map[string]string{labelProbe: "mine"}},
			{ID: "u1", Name: "unlabelled"},
		},
		networks: []engine.NetworkInfo{
			{ID: "n1", Name: "zz1234-star-1-lan", Labels: topo("zz1234-star-1")},
			{ID: "n2", Name: "other-lan", Labels: topo("zz9999-star-1")},
		},
	}
	leaked, err := sweep(rt)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"container zz1234-star-1-hub", "probe container probe", "network zz1234-star-1-lan"}
	if !slices.Equal(leaked, want) {
		t.Errorf("leaked %q, want %q", leaked, want)
	}
	if want := []string{"c1", "p1", "n1"}; !slices.Equal(rt.removed, want) {
		t.Errorf("removed %q, want %q", rt.removed, want)
	}

	// A listing that fails is no clean bill.
	rt = &fakeSweep{listErr: errors.New("engine gone")}
	if _, err := sweep(rt); err == nil || !strings.Contains(err.Error(), "engine gone") {
		t.Errorf("sweep with failing listings: %v", err)
	}
}

// NoSwarmChange holds off a swarm's coming and going (Swarm's exclusive
// lock) until its test ends, and no longer.
func TestNoSwarmChangeHoldsOffSwarm(t *testing.T) {
	tryExclusive := func() bool {
		l, err := flock.Open(swarmLock)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ok, err := l.TryLock(false)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	t.Run("during", func(t *testing.T) {
		NoSwarmChange(t)
		if tryExclusive() {
			t.Error("a swarm could start while a test holds it off")
		}
	})
	if !tryExclusive() {
		t.Error("still held off after the test ended")
	}
}
