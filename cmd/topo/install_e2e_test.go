package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/internal/nodeimage"
	"github.com/topo-dev/topo/topology"
)

// TestIntegrationDryRunCreatesNothing prints the plan up would apply, with
// the subnets it would take, and leaves the engine as it was.
func TestIntegrationDryRunCreatesNothing(t *testing.T) {
	o := livetest.Engine(t)
	name := livetest.Name(t, "dry")
	text := topo(t, nil, "up", "--dry-run", "--name", name, "../../topologies/ring.yaml").must(t, 0)
	for _, want := range []string{"node1-node2", "node5-node1", "/29"} {
		if !strings.Contains(text.stdout, want) {
			t.Errorf("dry run lacks %q:\n%s", want, text.stdout)
		}
	}
	if !strings.Contains(text.stderr, "nothing was created") {
		t.Errorf("dry run does not say it created nothing: %s", text.stderr)
	}
	js := topo(t, nil, "up", "--dry-run", "-o", "json", "--name", name, "../../topologies/ring.yaml").must(t, 0)
	var p topology.Plan
	if err := json.Unmarshal([]byte(js.stdout), &p); err != nil || p.Name != name || len(p.Segments) != 5 {
		t.Errorf("dry run -o json: %v\n%s", err, js.stdout)
	}
	if left := livetest.Leftovers(t, o, name); len(left) != 0 {
		t.Errorf("a dry run created %v", left)
	}
	topo(t, nil, "up", "-o", "json", "../../topologies/ring.yaml").must(t, 2)
}

// TestIntegrationInstalledBinaryNeedsNoCheckout builds topo from a copy of
// the repository, deletes the copy, and brings a star up with the binary
// from another directory, with TOPO_SOURCE unset: the node image is built
// from the agent source inside the binary. The copy's agent carries a
// marker, so that its image is new, not one an earlier test cached.
func TestIntegrationInstalledBinaryNeedsNoCheckout(t *testing.T) {
	o := livetest.Engine(t)
	ctx := context.Background()
	before, err := o.Runtime().ListImages(ctx, map[string]string{engine.LabelImage: nodeimage.ImageKind})
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	clone, bin, work := filepath.Join(tmp, "clone"), filepath.Join(tmp, "bin", "topo"), filepath.Join(tmp, "work")
	copyModule(t, "../..", clone)
	marker := make([]byte, 8)
	_, _ = rand.Read(marker)
	writeFile(t, filepath.Join(clone, "node", "cmd", "topo-node", "marker.go"),
		"package main\n\nimport \"os\"\n\n// buildMarker makes this agent's binary, and so its image tag, unique.\nvar buildMarker = os.Getenv(\"TOPO_MARKER\") + \""+hex.EncodeToString(marker)+"\"\n")
	build := exec.Command("go", "build", "-o", bin, "./cmd/topo")
	build.Dir = clone
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build in the copy: %v\n%s", err, out)
	}
	if err := os.RemoveAll(clone); err != nil {
		t.Fatal(err)
	}
	star, err := os.ReadFile("../../topologies/star.yaml")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(work, "star.yaml"), string(star))

	name := livetest.Name(t, "installed")
	run := func(args ...string) result {
		cmd := exec.Command(bin, args...)
		cmd.Dir = work
		cmd.Env = withoutEnv(os.Environ(), "TOPO_SOURCE")
		return runCmd(t, cmd)
	}
	t.Cleanup(func() { run("down", name) })
	up := run("up", "--name", name, "star.yaml").must(t, 0)
	if !strings.Contains(up.stdout, name+" is up") {
		t.Errorf("up from the installed binary:\nstdout:\n%s\nstderr:\n%s", up.stdout, up.stderr)
	}
	cs, err := o.Runtime().ListContainers(ctx, map[string]string{engine.LabelTopology: name})
	if err != nil || len(cs) != 5 {
		t.Fatalf("containers of %s: %d, %v", name, len(cs), err)
	}
	for _, im := range before {
		if slices.Contains(im.Tags, cs[0].Image) {
			t.Errorf("the node image %s existed before; the marked agent should have made a new one", cs[0].Image)
		}
	}
	if r := run("send", "-t", name, "spoke1", "spoke3", "hello").must(t, 0); !strings.Contains(r.stdout, "spoke1 → hub → spoke3") {
		t.Errorf("send: %s", r.stdout)
	}
	run("down", name).must(t, 0)
}

// copyModule copies the module at src to dst, without .git.
func copyModule(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatalf("copy the module: %v", err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func withoutEnv(env []string, key string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, key+"=") {
			out = append(out, kv)
		}
	}
	return out
}
