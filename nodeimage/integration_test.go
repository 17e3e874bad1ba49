package nodeimage_test

import (
	"context"
	"fmt"
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

// agentPackage is the real agent once it has landed, else the stand-in.
func agentPackage() string {
	if m, _ := filepath.Glob(filepath.Join("..", "node", "cmd", "topo-node", "*.go")); len(m) > 0 {
		return nodeimage.DefaultPackage
	}
	return "./nodeimage/testdata/standin"
}

func TestIntegrationEnsure(t *testing.T) {
	rt := newRuntime(t)
	ctx := context.Background()
	t.Cleanup(func() {
		if err := nodeimage.Remove(context.Background(), rt); err != nil {
			t.Error(err)
		}
	})
	var steps []string
	opts := nodeimage.Options{
		Package:   agentPackage(),
		TagLatest: true,
		Progress:  func(s string) { steps = append(steps, s) },
	}
	ref, _, err := nodeimage.Ensure(ctx, rt, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %q", ref, steps)
	again, built, err := nodeimage.Ensure(ctx, rt, opts)
	if err != nil || again != ref || built {
		t.Errorf("second Ensure = %s, built %v, %v; want %s, not built", again, built, err, ref)
	}
	for _, tag := range []string{ref, nodeimage.LatestTag} {
		if ok, err := rt.ImageExists(ctx, tag); err != nil || !ok {
			t.Errorf("ImageExists(%s) = %v, %v", tag, ok, err)
		}
	}
	list, err := rt.ListImages(ctx, map[string]string{orchestrator.LabelImage: nodeimage.ImageKind})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(list, func(im orchestrator.ImageInfo) bool {
		return slices.Contains(im.Tags, ref) && im.Labels[nodeimage.LabelContent] != ""
	}) {
		t.Errorf("node images %+v lack %s with its content label", list, ref)
	}

	if err := nodeimage.Remove(ctx, rt); err != nil {
		t.Fatal(err)
	}
	// Another package's test may be using (and so keeping) a node image,
	// but not this one's tags unless it runs the same agent; check ours.
	if ok, _ := rt.ImageExists(ctx, ref); ok {
		t.Logf("%s still present after Remove (in use by a concurrent test?)", ref)
	}
}

// BenchmarkEnsureCached measures Ensure when nothing changed: one cached
// compile and one image lookup.
func BenchmarkEnsureCached(b *testing.B) {
	rt := newRuntime(b)
	ctx := context.Background()
	b.Cleanup(func() { _ = nodeimage.Remove(context.Background(), rt) })
	opts := nodeimage.Options{Package: agentPackage()}
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
