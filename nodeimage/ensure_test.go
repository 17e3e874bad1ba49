package nodeimage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"

	"github.com/topo-dev/topo/orchestrator"
)

// fakeRuntime records image calls. Only the image methods Ensure, Remove
// and Release use are implemented; the rest panic through the nil interface.
type fakeRuntime struct {
	orchestrator.Runtime
	images     map[string]string // tag -> image ID
	labels     map[string]map[string]string
	containers []orchestrator.ContainerInfo
	builds     [][]string
	buildErrs  []error // returned by successive builds
	removed    []string
}

func newFake() *fakeRuntime {
	return &fakeRuntime{images: map[string]string{}, labels: map[string]map[string]string{}}
}

func (f *fakeRuntime) ImageExists(_ context.Context, ref string) (bool, error) {
	_, ok := f.images[ref]
	return ok, nil
}

func (f *fakeRuntime) BuildImage(_ context.Context, r io.Reader, tags []string, labels map[string]string) error {
	if _, err := io.ReadAll(r); err != nil {
		return err
	}
	f.builds = append(f.builds, tags)
	if len(f.buildErrs) > 0 {
		err := f.buildErrs[0]
		f.buildErrs = f.buildErrs[1:]
		if err != nil {
			return err
		}
	}
	id := fmt.Sprintf("sha256:%d", len(f.builds))
	f.labels[id] = labels
	for _, t := range tags {
		f.images[t] = id
	}
	return nil
}

func (f *fakeRuntime) ListImages(_ context.Context, want map[string]string) ([]orchestrator.ImageInfo, error) {
	byID := map[string]*orchestrator.ImageInfo{}
	for tag, id := range f.images {
		if byID[id] == nil {
			byID[id] = &orchestrator.ImageInfo{ID: id, Labels: f.labels[id]}
		}
		byID[id].Tags = append(byID[id].Tags, tag)
	}
	var out []orchestrator.ImageInfo
	for _, im := range byID {
		ok := true
		for k, v := range want {
			ok = ok && im.Labels[k] == v
		}
		if ok {
			slices.Sort(im.Tags)
			out = append(out, *im)
		}
	}
	return out, nil
}

func (f *fakeRuntime) ListContainers(context.Context, map[string]string) ([]orchestrator.ContainerInfo, error) {
	return f.containers, nil
}

func (f *fakeRuntime) RemoveImage(_ context.Context, ref string) error {
	if _, ok := f.images[ref]; !ok {
		return fmt.Errorf("remove %s: %w", ref, orchestrator.ErrNotFound)
	}
	f.removed = append(f.removed, ref)
	delete(f.images, ref)
	return nil
}

func TestEnsure(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles")
	}
	ctx := context.Background()
	rt := newFake()
	opts := Options{Package: standin, Hold: "t1", TagLatest: true}
	ref, built, err := Ensure(ctx, rt, opts)
	if err != nil || !built || ref != "topo-node:hold-t1" {
		t.Fatalf("Ensure = %s, %v, %v", ref, built, err)
	}
	im, err := Build(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]string{{"topo-node:hold-t1", im.Tag, LatestTag}}; !slices.EqualFunc(rt.builds, want, slices.Equal) {
		t.Errorf("builds %q, want %q (hold first)", rt.builds, want)
	}
	if _, built, _ := Ensure(ctx, rt, opts); built {
		t.Error("second Ensure built again")
	}

	// Another holder's Remove leaves a held image alone ...
	if err := Remove(ctx, rt); err != nil || len(rt.removed) != 0 {
		t.Errorf("Remove of a held image removed %q, %v", rt.removed, err)
	}
	// ... and an image in use.
	rt.containers = []orchestrator.ContainerInfo{{Image: im.Tag}}
	if err := Release(ctx, rt, ref); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rt.removed, []string{ref}) {
		t.Errorf("Release of an image in use removed %q", rt.removed)
	}
	rt.containers = nil
	if err := Remove(ctx, rt); err != nil || len(rt.images) != 0 {
		t.Errorf("Remove left %v, %v", rt.images, err)
	}
	if err := Release(ctx, rt, im.Tag); err == nil {
		t.Error("Release of a content tag succeeded")
	}
}

func TestEnsureRebuildsWhenAnImageVanishes(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles")
	}
	rt := newFake()
	rt.buildErrs = []error{fmt.Errorf("build: failed to get digest: %w", orchestrator.ErrNotFound), nil}
	ref, built, err := Ensure(context.Background(), rt, Options{Package: standin})
	if err != nil || !built || len(rt.builds) != 2 {
		t.Errorf("Ensure = %s, %v, %v after %d builds", ref, built, err, len(rt.builds))
	}

	rt = newFake()
	boom := errors.New("Dockerfile parse error")
	rt.buildErrs = []error{boom}
	if _, _, err := Ensure(context.Background(), rt, Options{Package: standin}); !errors.Is(err, boom) || len(rt.builds) != 1 {
		t.Errorf("Ensure with a broken build = %v after %d builds", err, len(rt.builds))
	}
}
