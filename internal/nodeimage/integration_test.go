package nodeimage_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/topo-dev/topo/docker"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/internal/nodeimage"
)

func TestMain(m *testing.M) { livetest.Main(m, "ni") }

// hasAgent reports whether the real agent has landed.
func hasAgent() bool {
	m, _ := filepath.Glob(filepath.Join("..", "..", "node", "cmd", "topo-node", "*.go"))
	return len(m) > 0
}

// TestIntegrationEnsure builds a stand-in image of its own: once, and not
// again when nothing changed.
func TestIntegrationEnsure(t *testing.T) {
	rt := livetest.Runtime(t)
	ctx := context.Background()
	opts, tag := livetest.StandIn(t, rt)
	var steps []string
	opts.Progress = func(s string) { steps = append(steps, s) }
	ref, built, err := nodeimage.Ensure(ctx, rt, opts)
	if err != nil {
		t.Fatal(err)
	}
	if ref != tag || !built {
		t.Errorf("first Ensure = %s, built %v; want %s, built", ref, built, tag)
	}
	t.Logf("%s: %q", ref, steps)
	again, built, err := nodeimage.Ensure(ctx, rt, opts)
	if err != nil || again != ref || built {
		t.Errorf("second Ensure = %s, built %v, %v; want %s, not built", again, built, err, ref)
	}
	im, err := nodeimage.Build(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := rt.ImageExists(ctx, ref); err != nil || !ok {
		t.Errorf("ImageExists(%s) = %v, %v", ref, ok, err)
	}
	list, err := rt.ListImages(ctx, map[string]string{engine.LabelImage: nodeimage.ImageKind})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(list, func(info engine.ImageInfo) bool {
		return slices.Equal(info.Tags, []string{ref}) && info.Labels[nodeimage.LabelContent] == im.Hash
	}) {
		t.Errorf("node images %+v lack %s, alone and with its content label", list, ref)
	}
}

// TestIntegrationAgentImage builds the real agent's image, once it exists.
// The image is shared with the other test packages; livetest.Main removes
// it at the very end.
func TestIntegrationAgentImage(t *testing.T) {
	rt := livetest.Runtime(t)
	if !hasAgent() {
		t.Skip("no agent in ./node/cmd/topo-node yet")
	}
	ctx := context.Background()
	ref, _, err := nodeimage.Ensure(ctx, rt, nodeimage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := rt.ImageExists(ctx, ref); err != nil || !ok {
		t.Errorf("ImageExists(%s) = %v, %v", ref, ok, err)
	}
}

// BenchmarkEnsureCached measures Ensure when nothing changed: one cached
// compile and one image lookup.
func BenchmarkEnsureCached(b *testing.B) {
	rt := livetest.Runtime(b)
	ctx := context.Background()
	var opts nodeimage.Options
	if !hasAgent() {
		opts, _ = livetest.StandIn(b, rt)
	}
	if _, _, err := nodeimage.Ensure(ctx, rt, opts); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, built, err := nodeimage.Ensure(ctx, rt, opts); err != nil || built {
			b.Fatalf("built %v, %v", built, err)
		}
	}
}

func ExampleEnsure() {
	ctx := context.Background()
	rt, err := docker.New(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rt.Close()
	ref, built, err := nodeimage.Ensure(ctx, rt, nodeimage.Options{TagLatest: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ref, built)
}
