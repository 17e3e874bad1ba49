package nodeimage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Compiling the agent takes about half a second even when Go's build cache
// has every step, and every up and every fault command needs the image's
// tag. So Ensure remembers, in a file per source, which tag the agent's
// source compiled to: the same source, toolchain and target make the same
// binary. The engine is still asked whether the tag exists.

// cacheDir is where those files go; tests point it elsewhere.
var cacheDir = func() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "topo", "node-image"), nil
}

// binarySettings are the go command's settings, besides the target, that
// change the binary it makes.
var binarySettings = []string{"GOFLAGS", "GOAMD64", "GOARM", "GOARM64", "GO386", "GOEXPERIMENT", "GOFIPS140", "GOTOOLCHAIN"}

// sourceKey names what a Build of opts compiles: the Go toolchain and its
// settings, the target, the package, the Dockerfile, and every Go file of
// the agent's source (go.mod and go.sum included).
func sourceKey(ctx context.Context, opts Options) (string, error) {
	src, root, cleanup, err := keySource(ctx, opts)
	if err != nil {
		return "", err
	}
	defer cleanup()
	version, err := goVersion(ctx, root)
	if err != nil {
		return "", err
	}
	pkg, arch := opts.pkg(), opts.arch()
	h := sha256.New()
	fmt.Fprintf(h, "topo node image v1\x00%s\x00%s\x00%s\x00%s\x00", version, arch, pkg, dockerfile)
	for _, kv := range BuildEnv(os.Environ(), arch) {
		if k, _, _ := strings.Cut(kv, "="); slices.Contains(binarySettings, k) {
			fmt.Fprintf(h, "%s\x00", kv)
		}
	}
	dirs := append(slices.Clone(sourceDirs), path.Clean(strings.TrimPrefix(pkg, "./")))
	for _, f := range []string{"go.mod", "go.sum"} {
		if b, err := fs.ReadFile(src, f); err == nil {
			fmt.Fprintf(h, "%s\x00%d\x00", f, len(b))
			h.Write(b)
		}
	}
	for _, d := range dirs {
		err := eachGoFile(src, d, func(p string, b []byte) error {
			fmt.Fprintf(h, "%s\x00%d\x00", p, len(b))
			h.Write(b)
			return nil
		})
		if err != nil {
			return "", fmt.Errorf("node image: hash source: %w", err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// keySource is the source tree a Build of opts compiles, and a directory
// to ask the go command in.
func keySource(ctx context.Context, opts Options) (fs.FS, string, func(), error) {
	if opts.embedded() {
		return opts.Source, os.TempDir(), func() {}, nil
	}
	root, cleanup, err := sourceRoot(ctx, opts)
	if err != nil {
		return nil, "", nil, err
	}
	return os.DirFS(root), root, cleanup, nil
}

// goVersion is the version of the toolchain the go command runs in dir.
func goVersion(ctx context.Context, dir string) (string, error) {
	cmd := exec.CommandContext(ctx, goTool(), "env", "GOVERSION")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("node image: go env GOVERSION: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// cachedTag is the tag that key compiled to before, if it is known.
func cachedTag(key string) (string, bool) {
	dir, err := cacheDir()
	if err != nil {
		return "", false
	}
	b, err := os.ReadFile(filepath.Join(dir, key))
	tag := strings.TrimSpace(string(b))
	if err != nil || !strings.HasPrefix(tag, Repository+":") {
		return "", false
	}
	return tag, true
}

// rememberTag notes that key compiled to tag. Failing to is no error:
// the next Ensure compiles again.
func rememberTag(key, tag string) error {
	dir, err := cacheDir()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, key+".*")
	if err != nil {
		return err
	}
	_, err = tmp.WriteString(tag + "\n")
	err = errors.Join(err, tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, key))
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
	}
	return err
}
