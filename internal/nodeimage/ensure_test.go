package nodeimage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"testing"

	"github.com/topo-dev/topo/engine"
)

// fakeRuntime records image calls. Only the methods Ensure and Remove use
// are implemented; the rest panic through the nil interface.
type fakeRuntime struct {
	engine.Runtime
	images     map[string]string // tag -> image ID
	labels     map[string]map[string]string
	containers []engine.ContainerInfo
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

func (f *fakeRuntime) ListImages(_ context.Context, want map[string]string) ([]engine.ImageInfo, error) {
	byID := map[string]*engine.ImageInfo{}
	for tag, id := range f.images {
		if byID[id] == nil {
			byID[id] = &engine.ImageInfo{ID: id, Labels: f.labels[id]}
		}
		byID[id].Tags = append(byID[id].Tags, tag)
	}
	var out []engine.ImageInfo
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

func (f *fakeRuntime) ListContainers(context.Context, map[string]string) ([]engine.ContainerInfo, error) {
	return f.containers, nil
}

func (f *fakeRuntime) RemoveImage(_ context.Context, ref string) error {
	if _, ok := f.images[ref]; !ok {
		return fmt.Errorf("remove %s: %w", ref, engine.ErrNotFound)
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
	opts := Options{Package: standin, TagLatest: true}
	im, err := Build(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	ref, built, err := Ensure(ctx, rt, opts)
	if err != nil || !built || ref != im.Tag {
		t.Fatalf("Ensure = %s, %v, %v; want %s, built", ref, built, err, im.Tag)
	}
	if want := [][]string{{im.Tag, LatestTag}}; !slices.EqualFunc(rt.builds, want, slices.Equal) {
		t.Errorf("builds %q, want %q", rt.builds, want)
	}
	if ref, built, err := Ensure(ctx, rt, opts); err != nil || built || ref != im.Tag {
		t.Errorf("second Ensure = %s, %v, %v; want %s, not built", ref, built, err, im.Tag)
	}

	// A lost latest tag is put back, by a build the engine's cache makes
	// cheap.
	delete(rt.images, LatestTag)
	if _, built, err := Ensure(ctx, rt, opts); err != nil || !built || rt.images[LatestTag] == "" {
		t.Errorf("Ensure without latest = %v, %v; images %v", built, err, rt.images)
	}
	if _, built, err := Ensure(ctx, rt, Options{Package: standin}); err != nil || built {
		t.Errorf("Ensure without TagLatest = %v, %v; want not built", built, err)
	}
}

func TestRemove(t *testing.T) {
	ctx := context.Background()
	rt := newFake()
	node := map[string]string{"topo.image": ImageKind}
	rt.images = map[string]string{
		"topo-node:aaaaaaaaaaaa": "sha256:a", LatestTag: "sha256:a",
		"topo-node:bbbbbbbbbbbb": "sha256:b",
		"topo-node:cccccccccccc": "sha256:c",
		"other:1":                "sha256:o",
	}
	rt.labels = map[string]map[string]string{"sha256:a": node, "sha256:b": node, "sha256:c": node}
	rt.containers = []engine.ContainerInfo{
		{Image: "topo-node:bbbbbbbbbbbb"}, // in use by tag
		{Image: "sha256:c"},               // in use by ID
	}
	if err := Remove(ctx, rt); err != nil {
		t.Fatal(err)
	}
	slices.Sort(rt.removed)
	if want := []string{"topo-node:aaaaaaaaaaaa"}; !slices.Equal(rt.removed, want) {
		t.Errorf("Remove removed %q, want %q: every tag of the unused image but %s, nothing in use or foreign", rt.removed, want, LatestTag)
	}

	// Once nothing uses them, they go too; a second Remove finds nothing.
	rt.containers = nil
	rt.removed = nil
	if err := Remove(ctx, rt); err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"other:1": "sha256:o", LatestTag: "sha256:a"}; !maps.Equal(rt.images, want) {
		t.Errorf("after Remove: %v, want %v", rt.images, want)
	}
	if err := Remove(ctx, rt); err != nil || len(rt.removed) != 2 {
		t.Errorf("Remove with nothing to remove: %v, removed %q", err, rt.removed)
	}
}

// TestRemoveKeepsLatest: the tag `topo build` adds for compose files is the
// user's; Remove never takes it, wherever it points.
func TestRemoveKeepsLatest(t *testing.T) {
	ctx := context.Background()
	rt := newFake()
	node := map[string]string{"topo.image": ImageKind}
	rt.images = map[string]string{
		LatestTag:                "sha256:l", // latest alone
		"topo-node:dddddddddddd": "sha256:d", // an older build, unused
	}
	rt.labels = map[string]map[string]string{"sha256:l": node, "sha256:d": node}
	if err := Remove(ctx, rt); err != nil {
		t.Fatal(err)
	}
	if want := []string{"topo-node:dddddddddddd"}; !slices.Equal(rt.removed, want) {
		t.Errorf("Remove removed %q, want %q", rt.removed, want)
	}
	if rt.images[LatestTag] != "sha256:l" {
		t.Errorf("%s gone: %v", LatestTag, rt.images)
	}
}

func TestEnsureRebuildsWhenAnImageVanishes(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles")
	}
	rt := newFake()
	rt.buildErrs = []error{fmt.Errorf("build: failed to get digest: %w", engine.ErrNotFound), nil}
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
