package nodeimage

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The package's tests leave the user's cache alone: only a test that
// points cacheDir at a directory of its own has one.
func init() {
	cacheDir = func() (string, error) { return "", errors.New("no cache in this package's tests") }
}

// Ensure compiles a source once: the next Ensure of the same source takes
// the tag it remembered, if the engine still has it, and compiles again
// when the engine lost it.
func TestEnsureRemembersTheTagOfASource(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles")
	}
	old := cacheDir
	dir := t.TempDir()
	cacheDir = func() (string, error) { return dir, nil }
	defer func() { cacheDir = old }()
	ctx := context.Background()
	rt := newFake()
	ensure := func(opts Options) (ref string, built, compiled bool) {
		t.Helper()
		var steps []string
		opts.Progress = func(s string) { steps = append(steps, s) }
		ref, built, err := Ensure(ctx, rt, opts)
		if err != nil {
			t.Fatal(err)
		}
		return ref, built, slices.ContainsFunc(steps, func(s string) bool { return strings.HasPrefix(s, "compiling") })
	}
	opts := Options{Package: standin}
	ref, built, compiled := ensure(opts)
	if !built || !compiled {
		t.Fatalf("first Ensure: built %v, compiled %v", built, compiled)
	}
	if files, _ := os.ReadDir(dir); len(files) != 1 {
		t.Fatalf("cache holds %d files, want 1", len(files))
	}
	if again, built, compiled := ensure(opts); again != ref || built || compiled {
		t.Errorf("same source: %s, built %v, compiled %v; want %s from the cache", again, built, compiled, ref)
	}
	delete(rt.images, ref) // removed from the engine, say by a test run's cleanup
	if again, built, compiled := ensure(opts); again != ref || !built || !compiled {
		t.Errorf("image gone: %s, built %v, compiled %v; want it compiled and built again", again, built, compiled)
	}
}

// A source's key changes with the target and any Go file of the agent,
// and with nothing else: not a test, not a file of another package.
func TestSourceKeyFollowsTheAgentsSource(t *testing.T) {
	root := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/x\n\ngo 1.22\n")
	write("agent/agent.go", "package agent\n")
	write("node/cmd/topo-node/main.go", "package main\n\nfunc main() {}\n")
	key := func(arch ...string) string {
		t.Helper()
		k, err := sourceKey(context.Background(), Options{SourceDir: root, GOARCH: strings.Join(arch, "")})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	first := key()
	if key("arm64") == first {
		t.Error("another target kept the key")
	}
	write("node/node_test.go", "package node\n")
	write("orchestrator/o.go", "package orchestrator\n")
	if key() != first {
		t.Error("a test or another package changed the key")
	}
	write("node/cmd/topo-node/main.go", "package main\n\nfunc main() { println() }\n")
	if key() == first {
		t.Error("a change to the agent kept the key")
	}
}
