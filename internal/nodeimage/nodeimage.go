// Package nodeimage builds topo's node image locally, by content.
//
// The image holds nothing but the statically linked agent
// (./node/cmd/topo-node), compiled with the host's Go toolchain from the
// agent's source that topo carries in its own binary (or from a checkout,
// when one is named) and copied into an image FROM scratch. Nothing is pulled. The tag is derived
// from the binary and the Dockerfile, so an unchanged agent maps to the tag
// that already exists and is never rebuilt, and a changed one always gets a
// new tag.
package nodeimage

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/topo-dev/topo/engine"
)

const (
	// Repository is the repository part of every node image tag.
	Repository = "topo-node"
	// LatestTag also names the newest node image when Options.TagLatest is
	// set, for exports (compose files) that cannot know the content tag.
	LatestTag = Repository + ":latest"
	// DefaultPackage is the agent's package, relative to the module root.
	DefaultPackage = "./node/cmd/topo-node"
	// LabelContent carries the full content hash of a node image.
	LabelContent = "topo.content"
	// ImageKind is the value of engine.LabelImage on node images.
	ImageKind = "node"

	binaryName = "topo-node"
	// tagHexLen is how much of the content hash goes into the tag.
	tagHexLen = 12
)

// dockerfile is the whole recipe: the binary runs as nobody, on nothing.
const dockerfile = `FROM scratch
COPY ` + binaryName + ` /` + binaryName + `
USER 65534:65534
ENTRYPOINT ["/` + binaryName + `"]
`

// Options configure Build and Ensure. The zero value builds the agent for
// the host's architecture from the checkout found as described on SourceDir.
type Options struct {
	// SourceDir is the module root of a topo checkout to build from. When
	// empty, it is $TOPO_SOURCE; else the agent is built from Source; else
	// from the checkout this package was compiled from, else from the
	// module of the working directory.
	SourceDir string
	// Source is the agent's module source (go.mod, agent/ and node/ at its
	// root), as topo.AgentSource returns it from the binary itself, so
	// that an installed topo needs no checkout.
	Source fs.FS
	// Package is the Go package to build as the agent, relative to the
	// module root; DefaultPackage when empty. Tests use a stand-in.
	Package string
	// GOARCH is the target architecture; runtime.GOARCH when empty. Set it
	// when the engine runs on another architecture than topo.
	GOARCH string
	// TagLatest also tags the image LatestTag.
	TagLatest bool
	// Progress, when set, receives one short line per step, for a user.
	Progress func(string)
	// Logger, when set, receives diagnostics.
	Logger *slog.Logger
}

func (o *Options) progress(msg string) {
	if o.Progress != nil {
		o.Progress(msg)
	}
	if o.Logger != nil {
		o.Logger.Debug("node image: " + msg)
	}
}

// Image is a compiled agent, ready to be built into an image.
type Image struct {
	// Tag is "topo-node:<12 hex digits of the content hash>".
	Tag string
	// Hash is the full content hash (hex sha256 of Dockerfile and binary).
	Hash string
	// Labels go on the image: topo.image=node and topo.content=<Hash>.
	Labels map[string]string

	binary []byte
}

// Size is the size of the agent binary in bytes, about the size of the image.
func (im *Image) Size() int { return len(im.binary) }

// Context returns the image's build context: a tar with the Dockerfile and
// the binary at its root. Each call returns a fresh reader.
func (im *Image) Context() (io.Reader, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	// Fixed metadata keeps the context itself a function of the content.
	mtime := time.Unix(0, 0)
	files := []struct {
		name string
		mode int64
		data []byte
	}{
		{"Dockerfile", 0o644, []byte(dockerfile)},
		{binaryName, 0o755, im.binary},
	}
	for _, f := range files {
		hdr := &tar.Header{
			Typeflag: tar.TypeReg,
			Name:     f.name,
			Mode:     f.mode,
			Size:     int64(len(f.data)),
			ModTime:  mtime,
			Format:   tar.FormatPAX,
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("node image context: %w", err)
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, fmt.Errorf("node image context: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("node image context: %w", err)
	}
	return &buf, nil
}

// newImage names the image for an agent binary.
func newImage(binary []byte) *Image {
	h := sha256.New()
	h.Write([]byte(dockerfile))
	h.Write(binary)
	sum := hex.EncodeToString(h.Sum(nil))
	return &Image{
		Tag:  Repository + ":" + sum[:tagHexLen],
		Hash: sum,
		Labels: map[string]string{
			engine.LabelImage: ImageKind,
			LabelContent:      sum,
		},
		binary: binary,
	}
}

// Build compiles the agent as a static Linux binary and returns the image
// it makes. The binary is compiled into a temporary directory that is
// removed before Build returns; the Image keeps it in memory. Go's build
// cache makes this under a second when nothing changed; with a cold cache
// it takes 10–20 s here, and Progress hears how long so far every few
// seconds.
func Build(ctx context.Context, opts Options) (*Image, error) {
	root, cleanup, err := sourceRoot(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	pkg, arch := opts.pkg(), opts.arch()
	tmp, err := os.MkdirTemp("", "topo-node-build-")
	if err != nil {
		return nil, fmt.Errorf("build agent: %w", err)
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, binaryName)

	opts.progress(fmt.Sprintf("compiling agent %s (linux/%s)", pkg, arch))
	cmd := exec.CommandContext(ctx, goTool(), "build",
		"-trimpath", "-buildvcs=false", "-ldflags=-s -w",
		"-o", out, pkg)
	cmd.Dir = root
	cmd.Env = BuildEnv(os.Environ(), arch)
	if opts.embedded() {
		// The extracted module needs nothing but the standard library.
		cmd.Env = append(cmd.Env, "GOWORK=off", "GOPROXY=off")
	}
	var stderr bytes.Buffer
	cmd.Stdout = &stderr
	cmd.Stderr = &stderr
	stop := tickWhile(compileTick, func(d time.Duration) { opts.progress(compileProgress(d)) })
	err = cmd.Run()
	stop()
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("build agent %s: %w", pkg, ctx.Err())
		}
		return nil, fmt.Errorf("build agent %s in %s: %w\n%s", pkg, root, err, strings.TrimSpace(stderr.String()))
	}
	binary, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("build agent: %w", err)
	}
	im := newImage(binary)
	if opts.Logger != nil {
		opts.Logger.Debug("node image compiled", "tag", im.Tag, "bytes", len(binary), "source", root)
	}
	return im, nil
}

// goTool is the go command. Under go test and go run, the go command puts
// its own toolchain first on PATH, so this is the one running us.
func goTool() string { return "go" }

// BuildEnv is env with the cross-compilation settings for a static Linux
// binary, and without GOFLAGS that would change what gets built (-race,
// -cover, -tags and the like). Only module-mode flags are kept.
func BuildEnv(env []string, arch string) []string {
	out := make([]string, 0, len(env)+4)
	var goflags []string
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "CGO_ENABLED", "GOOS", "GOARCH":
			continue
		case "GOFLAGS":
			for _, f := range strings.Fields(v) {
				if strings.HasPrefix(f, "-mod=") || f == "-modcacherw" {
					goflags = append(goflags, f)
				}
			}
			continue
		}
		out = append(out, kv)
	}
	return append(out,
		"CGO_ENABLED=0",
		"GOOS=linux",
		"GOARCH="+arch,
		"GOFLAGS="+strings.Join(goflags, " "),
	)
}

// explicitDir is the checkout the caller named, if any.
// pkg is the agent package to compile.
func (o *Options) pkg() string {
	if o.Package == "" {
		return DefaultPackage
	}
	return o.Package
}

// arch is the target architecture.
func (o *Options) arch() string {
	if o.GOARCH == "" {
		return runtime.GOARCH
	}
	return o.GOARCH
}

// embedded reports whether the agent is built from the source compiled
// into topo, not from a checkout.
func (o *Options) embedded() bool { return o.explicitDir() == "" && o.Source != nil }

func (o *Options) explicitDir() string {
	if o.SourceDir != "" {
		return o.SourceDir
	}
	return os.Getenv("TOPO_SOURCE")
}

// sourceRoot finds or makes the module root to build the agent in, and
// returns the func that removes it when it was made.
func sourceRoot(ctx context.Context, opts Options) (string, func(), error) {
	if opts.embedded() {
		return extract(opts.Source)
	}
	root, err := moduleRoot(ctx, opts)
	return root, func() {}, err
}

// errNoSource is returned when no checkout with the agent can be found.
var errNoSource = errors.New("run topo from a checkout of the topo repository or set TOPO_SOURCE")

// moduleRoot finds the module root that holds the agent package.
func moduleRoot(ctx context.Context, opts Options) (string, error) {
	pkg := opts.pkg()
	has := func(dir string) bool {
		if dir == "" {
			return false
		}
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
			return false
		}
		fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(pkg)))
		return err == nil && fi.IsDir()
	}
	// An explicit choice that lacks the agent is an error, not a hint to
	// look elsewhere.
	for _, explicit := range []struct{ what, dir string }{
		{"source dir", opts.SourceDir},
		{"TOPO_SOURCE", os.Getenv("TOPO_SOURCE")},
	} {
		if explicit.dir == "" {
			continue
		}
		if has(explicit.dir) {
			return filepath.Abs(explicit.dir)
		}
		return "", fmt.Errorf("node image: %s %s has no go.mod and %s: %w", explicit.what, explicit.dir, pkg, errNoSource)
	}
	var tried []string
	// The checkout this package was compiled from; under -trimpath the
	// path is not a real one and is skipped.
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		dir := filepath.Dir(filepath.Dir(filepath.Dir(file))) // internal/nodeimage/x.go
		if has(dir) {
			return dir, nil
		}
		tried = append(tried, dir)
	}
	// The module of the working directory.
	out, err := exec.CommandContext(ctx, goTool(), "env", "GOMOD").Output()
	if err == nil {
		if gomod := strings.TrimSpace(string(out)); gomod != "" && gomod != os.DevNull {
			dir := filepath.Dir(gomod)
			if has(dir) {
				return dir, nil
			}
			tried = append(tried, dir)
		}
	}
	tried = slices.Compact(tried)
	if len(tried) > 0 {
		return "", fmt.Errorf("node image: no %s in %s: %w", pkg, strings.Join(tried, " or "), errNoSource)
	}
	return "", fmt.Errorf("node image: %w", errNoSource)
}
