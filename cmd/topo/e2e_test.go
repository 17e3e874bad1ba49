package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/orchestrator"
)

var (
	buildMu sync.Mutex
	binPath string
)

// topoBinary builds the topo command once per test run, as a user would,
// into the first caller's temporary directory; later callers reuse it
// while that test runs, or build again.
func topoBinary(t *testing.T) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if binPath != "" {
		if _, err := os.Stat(binPath); err == nil {
			return binPath
		}
	}
	binPath = filepath.Join(t.TempDir(), "topo")
	if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return binPath
}

type result struct {
	code           int
	stdout, stderr string
}

// topo runs the built binary with env added to the environment.
func topo(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(topoBinary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	return runCmd(t, cmd)
}

// runCmd runs a command and returns its exit code and output.
func runCmd(t *testing.T, cmd *exec.Cmd) result {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errOut.String()}
}

func (r result) must(t *testing.T, code int) result {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	return r
}

// TestIntegrationDockerUnreachable checks the one-line message when the
// engine cannot be reached, and that DOCKER_HOST is respected.
func TestIntegrationDockerUnreachable(t *testing.T) {
	r := topo(t, []string{"DOCKER_HOST=unix:///nonexistent/docker.sock"}, "up", "../../topologies/ring.yaml").must(t, 1)
	if lines := strings.Count(strings.TrimSpace(r.stderr), "\n") + 1; lines != 1 || !strings.Contains(r.stderr, "/nonexistent/docker.sock") {
		t.Errorf("want one line naming the socket, got:\n%s", r.stderr)
	}
}

func decode(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("decode %T: %v\n%s", v, err, s)
	}
}

// TestIntegrationInterruptedUp presses Ctrl-C while up creates containers:
// up exits 1, says it was interrupted, and leaves nothing behind.
func TestIntegrationInterruptedUp(t *testing.T) {
	livetest.Require(t)
	name := livetest.Name(t, "intr")
	t.Cleanup(func() { topo(t, nil, "down", name) })
	cmd := exec.Command(topoBinary(t), "up", "--name", name, "../../topologies/p2p.yaml")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var seen strings.Builder
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		seen.WriteString(sc.Text() + "\n")
		if strings.HasPrefix(sc.Text(), "containers ") { // nodes are being created and started
			if err := cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	for sc.Scan() {
		seen.WriteString(sc.Text() + "\n")
	}
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Errorf("interrupted up: %v, want exit 1", err)
	}
	if !strings.Contains(seen.String(), "interrupted") {
		t.Errorf("up does not say it was interrupted:\n%s", seen.String())
	}
	// One line says so: the calls it cut short are not each reported.
	if s := seen.String(); strings.Contains(s, " failed") || strings.Contains(s, "interrupt signal received") {
		t.Errorf("up reports each call the interruption cut short:\n%s", s)
	}
	var tops []orchestrator.TopologyInfo
	decode(t, topo(t, nil, "ls", "-o", "json").must(t, 0).stdout, &tops)
	for _, ti := range tops {
		if ti.Name == name {
			t.Errorf("interrupted up left %+v", ti)
		}
	}
	if r := topo(t, nil, "down", name).must(t, 0); !strings.Contains(r.stdout, "nothing to remove") {
		t.Errorf("interrupted up left something for down: %s", r.stdout)
	}
}

// checkKeys checks a JSON document for the keys the README documents, read
// as a plain map so that a renamed field cannot hide behind a shared struct.
func checkKeys(t *testing.T, doc string, top []string, lists map[string][]string) {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	for _, k := range top {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, doc)
		}
	}
	for list, keys := range lists {
		items, _ := m[list].([]any)
		if len(items) == 0 {
			t.Errorf("JSON %q is empty", list)
			continue
		}
		first, _ := items[0].(map[string]any)
		for _, k := range keys {
			if _, ok := first[k]; !ok {
				t.Errorf("JSON %s[0] lacks %q", list, k)
			}
		}
	}
}
