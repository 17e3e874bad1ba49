package compose_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/orchestrator"
)

// project is one compose project: a file run under a unique project name.
type project struct {
	t         *testing.T
	bin, name string
	file      string
}

// newProject writes the compose file and registers its removal with
// docker-compose down, checked for leftovers, before anything can fail.
func newProject(t *testing.T, o *orchestrator.Orchestrator, bin, name string, content []byte) *project {
	t.Helper()
	file := filepath.Join(t.TempDir(), "compose.yaml")
	if err := os.WriteFile(file, content, 0o644); err != nil {
		t.Fatal(err)
	}
	p := &project{t: t, bin: bin, name: name, file: file}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if out, err := p.run(ctx, "down", "--timeout", "5"); err != nil {
			t.Errorf("docker-compose down: %v\n%s", err, out)
		}
		if left := livetest.Leftovers(t, o, name); len(left) > 0 {
			t.Errorf("docker-compose down left %v", left)
			_, _ = o.Down(ctx, name, orchestrator.DownOptions{})
		}
	})
	return p
}

func (p *project) run(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, p.bin, append([]string{"--ansi", "never", "-p", p.name, "-f", p.file}, args...)...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.Dir = filepath.Dir(p.file)
	err := cmd.Run()
	return out.String(), err
}

func (p *project) up() {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if out, err := p.run(ctx, "up", "-d"); err != nil {
		p.t.Fatalf("docker-compose up: %v\n%s", err, out)
	}
}

// waitLogs polls docker-compose logs until they hold every string wanted.
func (p *project) waitLogs(want ...string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	tick := time.NewTicker(300 * time.Millisecond)
	defer tick.Stop()
	var out string
	for {
		var err error
		out, err = p.run(ctx, "logs", "--no-color")
		if err == nil && containsAll(out, want) {
			return out
		}
		select {
		case <-ctx.Done():
			p.t.Fatalf("docker-compose logs lack %q after 90s:\n%s", want, out)
		case <-tick.C:
		}
	}
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
