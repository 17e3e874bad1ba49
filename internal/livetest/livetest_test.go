package livetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/topo-dev/topo/internal/flock"
	"github.com/topo-dev/topo/nodeimage"
	"github.com/topo-dev/topo/orchestrator"
)

// fakeImages holds image tags; only the calls RestoreLatest and the
// first-in/last-out note make are implemented.
type fakeImages struct {
	orchestrator.Runtime
	tags map[string]bool
}

func (f *fakeImages) ImageExists(_ context.Context, ref string) (bool, error) {
	return f.tags[ref], nil
}

func (f *fakeImages) RemoveImage(_ context.Context, ref string) error {
	if !f.tags[ref] {
		return fmt.Errorf("remove %s: %w", ref, orchestrator.ErrNotFound)
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
	t.Cleanup(func() { _ = os.Remove(filepath.Join(os.TempDir(), name)) })
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
