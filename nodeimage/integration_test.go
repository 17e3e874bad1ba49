package nodeimage_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/topo-dev/topo/docker"
	"github.com/topo-dev/topo/nodeimage"
	"github.com/topo-dev/topo/orchestrator"
)

// engineSkip is why integration tests skip, when they do.
var engineSkip string

func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	rt, err := docker.New(ctx)
	cancel()
	switch {
	case err == nil:
		rt.Close()
	case os.Getenv("CI") == "true":
		fmt.Fprintf(os.Stderr, "FAIL: integration tests need a Docker engine in CI: %v\n", err)
		os.Exit(1)
	default:
		engineSkip = fmt.Sprintf("no Docker engine, integration tests skipped: %v", err)
		fmt.Fprintln(os.Stderr, "NOTE:", engineSkip)
	}
	os.Exit(m.Run())
}

func newRuntime(t testing.TB) *docker.Client {
	t.Helper()
	if engineSkip != "" {
		t.Skip(engineSkip)
	}
	rt, err := docker.New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt
}

const standin = "./nodeimage/testdata/standin"

// agentPackage is the real agent once it has landed, else the stand-in.
func agentPackage() string {
	if m, _ := filepath.Glob(filepath.Join("..", "node", "cmd", "topo-node", "*.go")); len(m) > 0 {
		return nodeimage.DefaultPackage
	}
	return standin
}

func TestIntegrationEnsure(t *testing.T) {
	rt := newRuntime(t)
	ctx := context.Background()
	hold := fmt.Sprintf("test-nodeimage-%d-%d", os.Getpid(), rand.IntN(1e9))
	t.Cleanup(func() {
		if err := nodeimage.Release(context.Background(), rt, nodeimage.HoldTag(hold)); err != nil {
			t.Error(err)
		}
	})
	var steps []string
	opts := nodeimage.Options{
		Package:   standin,
		Hold:      hold,
		TagLatest: true,
		Progress:  func(s string) { steps = append(steps, s) },
	}
	ref, _, err := nodeimage.Ensure(ctx, rt, opts)
	if err != nil {
		t.Fatal(err)
	}
	if ref != nodeimage.HoldTag(hold) {
		t.Errorf("Ensure with a hold = %s, want %s", ref, nodeimage.HoldTag(hold))
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
	for _, tag := range []string{ref, im.Tag, nodeimage.LatestTag} {
		if ok, err := rt.ImageExists(ctx, tag); err != nil || !ok {
			t.Errorf("ImageExists(%s) = %v, %v", tag, ok, err)
		}
	}
	list, err := rt.ListImages(ctx, map[string]string{orchestrator.LabelImage: nodeimage.ImageKind})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(list, func(info orchestrator.ImageInfo) bool {
		return slices.Contains(info.Tags, im.Tag) && info.Labels[nodeimage.LabelContent] == im.Hash
	}) {
		t.Errorf("node images %+v lack %s with its content label", list, im.Tag)
	}

	// A held image survives Remove; Release lets it go.
	if err := nodeimage.Remove(ctx, rt); err != nil {
		t.Fatal(err)
	}
	if ok, _ := rt.ImageExists(ctx, ref); !ok {
		t.Errorf("Remove removed the held %s", ref)
	}
	if err := nodeimage.Release(ctx, rt, ref); err != nil {
		t.Fatal(err)
	}
	if ok, _ := rt.ImageExists(ctx, ref); ok {
		t.Errorf("%s still there after Release", ref)
	}
}

// TestIntegrationAgentImage builds the real agent's image, once it exists.
func TestIntegrationAgentImage(t *testing.T) {
	rt := newRuntime(t)
	if agentPackage() != nodeimage.DefaultPackage {
		t.Skip("no agent in ./node/cmd/topo-node yet")
	}
	ctx := context.Background()
	hold := fmt.Sprintf("test-agent-%d-%d", os.Getpid(), rand.IntN(1e9))
	t.Cleanup(func() {
		if err := nodeimage.Release(context.Background(), rt, nodeimage.HoldTag(hold)); err != nil {
			t.Error(err)
		}
	})
	ref, _, err := nodeimage.Ensure(ctx, rt, nodeimage.Options{Hold: hold})
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
	rt := newRuntime(b)
	ctx := context.Background()
	hold := fmt.Sprintf("bench-nodeimage-%d-%d", os.Getpid(), rand.IntN(1e9))
	b.Cleanup(func() { _ = nodeimage.Release(context.Background(), rt, nodeimage.HoldTag(hold)) })
	opts := nodeimage.Options{Package: agentPackage(), Hold: hold}
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
