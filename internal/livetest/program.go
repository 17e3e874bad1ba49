package livetest

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/nodeimage"
)

// Program builds an image of its own for t that holds one program of this
// module, pkg (a path from the module's root, e.g.
// "./node/internal/forger"), compiled as a static Linux binary: a
// user's own software on a topology, written in Go and free to import
// topo's packages. The binary is /<pkg's last element>, and the image's
// command. Like Busybox's, the image is removed when t ends; call Program
// before bringing a topology up, so that the topology is down by then.
func Program(t testing.TB, rt engine.Runtime, pkg string) string {
	t.Helper()
	Require(t)
	_, file, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(file) {
		t.Fatal("livetest: cannot locate the checkout to build " + pkg + " in")
	}
	name := path.Base(pkg)
	out := filepath.Join(t.TempDir(), name)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-o", out, pkg)
	cmd.Dir = filepath.Join(filepath.Dir(file), "..", "..")
	cmd.Env = nodeimage.BuildEnv(os.Environ(), runtime.GOARCH)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("livetest: go build %s: %v\n%s", pkg, err, b)
	}
	bin, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	tag := "topo-program-test:" + name + "-" + hex.EncodeToString(b)
	dockerfile := "FROM scratch\nCOPY " + name + " /" + name + "\nCMD [\"/" + name + "\"]\n" +
		"LABEL topo.program-test=\"" + tag + "\"\n"
	bctx := scratchContext(t, []contextFile{{"Dockerfile", 0o644, []byte(dockerfile)}, {name, 0o755, bin}})
	buildImage(ctx, t, rt, bctx, tag, "program-test")
	return tag
}

// contextFile is one file of a build context.
type contextFile struct {
	name string
	mode int64
	data []byte
}

// scratchContext is a build context of files, a Dockerfile among them:
// images FROM scratch need nothing else.
func scratchContext(t testing.TB, files []contextFile) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf
}

// buildImage builds a test's image from bctx under tag, labelled as kind,
// and removes it when t ends.
func buildImage(ctx context.Context, t testing.TB, rt engine.Runtime, bctx io.Reader, tag, kind string) {
	t.Helper()
	if err := rt.BuildImage(ctx, bctx, []string{tag}, map[string]string{engine.LabelImage: kind}); err != nil {
		t.Fatalf("livetest: build %s: %v", tag, err)
	}
	t.Cleanup(func() { removeImage(t, rt, tag) })
}

// removeImage removes a test's image tag once no container uses it. A
// swarm removes a service's task containers a while after the service,
// and until then the engine refuses (a conflict): ignoring that left the
// image behind. A conflict that outlasts imageFreeWait is an error, as a
// container of the test still running is.
func removeImage(t testing.TB, rt engine.Runtime, tag string) {
	ctx, cancel := context.WithTimeout(context.Background(), imageFreeWait+30*time.Second)
	defer cancel()
	deadline := time.Now().Add(imageFreeWait)
	for {
		err := rt.RemoveImage(ctx, tag)
		switch {
		case err == nil, errors.Is(err, engine.ErrNotFound):
			return
		case !errors.Is(err, engine.ErrConflict) || time.Now().After(deadline):
			t.Errorf("livetest: remove %s: %v", tag, err)
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// imageFreeWait bounds how long removeImage waits for the containers
// that use an image to go.
const imageFreeWait = 30 * time.Second
