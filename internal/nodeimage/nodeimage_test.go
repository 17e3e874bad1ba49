package nodeimage

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const standin = "./internal/nodeimage/testdata/standin"

func TestTagIsContent(t *testing.T) {
	a := newImage([]byte("agent v1"))
	b := newImage([]byte("agent v1"))
	c := newImage([]byte("agent v2"))
	if a.Tag != b.Tag || a.Hash != b.Hash {
		t.Errorf("same binary, different tags: %s %s", a.Tag, b.Tag)
	}
	if a.Tag == c.Tag {
		t.Errorf("changed binary, same tag %s", a.Tag)
	}
	if !strings.HasPrefix(a.Tag, "topo-node:") || len(a.Tag) != len("topo-node:")+12 || !strings.HasPrefix(a.Hash, a.Tag[len("topo-node:"):]) {
		t.Errorf("tag %q, hash %q", a.Tag, a.Hash)
	}
	if a.Labels["topo.image"] != "node" || a.Labels["topo.content"] != a.Hash {
		t.Errorf("labels %v", a.Labels)
	}
}

func TestContext(t *testing.T) {
	im := newImage([]byte("\x7fELF binary"))
	files := readTar(t, im)
	if got, want := files["Dockerfile"], "FROM scratch\nCOPY topo-node /topo-node\nUSER 65534:65534\nENTRYPOINT [\"/topo-node\"]\n"; got != want {
		t.Errorf("Dockerfile %q, want %q", got, want)
	}
	if files["topo-node"] != "\x7fELF binary" || len(files) != 2 {
		t.Errorf("context files %v", slices.Sorted(func(yield func(string) bool) {
			for k := range files {
				if !yield(k) {
					return
				}
			}
		}))
	}
	// A fresh reader each time, with the same bytes.
	r1, _ := im.Context()
	r2, _ := im.Context()
	b1, _ := io.ReadAll(r1)
	b2, _ := io.ReadAll(r2)
	if !bytes.Equal(b1, b2) || len(b1) == 0 {
		t.Error("Context is not a fresh, stable reader")
	}
}

func readTar(t *testing.T, im *Image) map[string]string {
	t.Helper()
	r, err := im.Context()
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		if hdr.Name == "topo-node" && hdr.Mode&0o111 == 0 {
			t.Errorf("binary mode %o is not executable", hdr.Mode)
		}
		b, _ := io.ReadAll(tr)
		files[hdr.Name] = string(b)
	}
}

func TestBuildEnv(t *testing.T) {
	env := BuildEnv([]string{
		"HOME=/root", "CGO_ENABLED=1", "GOOS=darwin", "GOARCH=386",
		"GOFLAGS=-race -mod=mod -tags=foo -cover -modcacherw",
	}, "arm64")
	want := []string{"HOME=/root", "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64", "GOFLAGS=-mod=mod -modcacherw"}
	if !slices.Equal(env, want) {
		t.Errorf("buildEnv = %q, want %q", env, want)
	}
}

func TestModuleRoot(t *testing.T) {
	ctx := context.Background()
	root, err := moduleRoot(ctx, Options{Package: standin})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "internal", "nodeimage", "testdata", "standin", "main.go")); err != nil {
		t.Errorf("root %s: %v", root, err)
	}

	empty := t.TempDir()
	_, err = moduleRoot(ctx, Options{SourceDir: empty})
	if !errors.Is(err, errNoSource) || !strings.Contains(err.Error(), "set TOPO_SOURCE") || !strings.Contains(err.Error(), empty) {
		t.Errorf("SourceDir without the agent: %v", err)
	}
	t.Setenv("TOPO_SOURCE", empty)
	_, err = moduleRoot(ctx, Options{Package: standin})
	if !errors.Is(err, errNoSource) || !strings.Contains(err.Error(), "TOPO_SOURCE "+empty) {
		t.Errorf("TOPO_SOURCE without the agent: %v", err)
	}
	t.Setenv("TOPO_SOURCE", root)
	if got, err := moduleRoot(ctx, Options{Package: standin}); err != nil || got != root {
		t.Errorf("TOPO_SOURCE=%s: %s, %v", root, got, err)
	}
}

// writeModule writes a one-file agent module and returns its root.
func writeModule(t *testing.T, main string) string {
	t.Helper()
	dir := t.TempDir()
	pkg := filepath.Join(dir, "node", "cmd", "topo-node")
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/agent\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pkg, "main.go"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestBuildTagFollowsSource(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles")
	}
	ctx := context.Background()
	v1 := writeModule(t, "package main\n\nfunc main() { println(\"v1\") }\n")
	v1again := writeModule(t, "package main\n\nfunc main() { println(\"v1\") }\n")
	v2 := writeModule(t, "package main\n\nfunc main() { println(\"v2\") }\n")
	var tags []string
	var steps []string
	for _, dir := range []string{v1, v1again, v2} {
		im, err := Build(ctx, Options{SourceDir: dir, Progress: func(s string) { steps = append(steps, s) }})
		if err != nil {
			t.Fatal(err)
		}
		tags = append(tags, im.Tag)
		if b := im.binary; len(b) < 4 || string(b[:4]) != "\x7fELF" {
			t.Errorf("%s: not an ELF binary", dir)
		}
	}
	if tags[0] != tags[1] {
		t.Errorf("same source in another directory, different tags %s %s (is -trimpath lost?)", tags[0], tags[1])
	}
	if tags[0] == tags[2] {
		t.Errorf("changed source, same tag %s", tags[0])
	}
	if len(steps) != 3 {
		t.Errorf("progress %q", steps)
	}
}

func TestBuildFailure(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles")
	}
	dir := writeModule(t, "package main\n\nfunc main() { undefined() }\n")
	_, err := Build(context.Background(), Options{SourceDir: dir})
	if err == nil || !strings.Contains(err.Error(), "undefined") {
		t.Errorf("Build of a broken agent: %v, want the compiler's message", err)
	}
}

func TestBuildSize(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles")
	}
	pkgs := []string{standin}
	// The real agent too, once it is there.
	if m, _ := filepath.Glob(filepath.Join("..", "..", "node", "cmd", "topo-node", "*.go")); len(m) > 0 {
		pkgs = append(pkgs, DefaultPackage)
	}
	for _, pkg := range pkgs {
		im, err := Build(context.Background(), Options{Package: pkg})
		if err != nil {
			t.Fatal(err)
		}
		if im.Size() > 15<<20 {
			t.Errorf("%s: binary %d bytes, want under 15 MB", pkg, im.Size())
		}
	}
}
