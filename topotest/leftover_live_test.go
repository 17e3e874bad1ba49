package topotest_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topotest"
)

// What TestIntegrationKilledRunIsRemoved tells its child: the topology's
// name and file. The child says childReady once it is up.
const (
	childNameEnv = "TOPOTEST_KILLED_CHILD_NAME"
	childFileEnv = "TOPOTEST_KILLED_CHILD_FILE"
	childReady   = "topotest-child-up"
)

// TestKilledRunChild is the test process that TestIntegrationKilledRunIsRemoved
// kills: it brings a topology up and waits, until its standard input ends
// (then it takes the topology down, as a test does) or it is killed.
func TestKilledRunChild(t *testing.T) {
	name := os.Getenv(childNameEnv)
	if name == "" {
		t.Skip("the child process of TestIntegrationKilledRunIsRemoved")
	}
	topotest.Up(t, os.Getenv(childFileEnv), topotest.WithName(name), topotest.WithInterval(0))
	fmt.Println(childReady)
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// TestIntegrationKilledRunIsRemoved: a test run killed with SIGKILL leaves
// its topology behind; `topo ls` (List) marks it as a leftover of a killed
// run, which it did not while the run lived; the next run of the test
// binary removes it at its first Up.
func TestIntegrationKilledRunIsRemoved(t *testing.T) {
	o := livetest.Engine(t)
	name, next := livetest.Name(t, "killed"), livetest.Name(t, "next")
	t.Cleanup(func() {
		for _, n := range []string{name, next} {
			_, _ = o.Down(context.Background(), n, orchestrator.DownOptions{})
		}
	})
	file := filepath.Join(t.TempDir(), "pair.yaml")
	if err := os.WriteFile(file, []byte("layout: p2p\nnodes: 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()

	killed := startChild(t, ctx, name, file)
	alive := find(t, o, name)
	if alive == nil || alive.Leftover != nil || alive.Version != orchestrator.Version() {
		t.Fatalf("while its test runs: %+v; want it listed, with version %q, and no leftover", alive, orchestrator.Version())
	}
	checkRunLabels(t, o, name)
	if err := killed.Process.Kill(); err != nil { // SIGKILL: no cleanup runs
		t.Fatal(err)
	}
	_ = killed.Wait()
	left := find(t, o, name)
	if left == nil || left.Leftover == nil || left.Leftover.PID != killed.Process.Pid || left.Leftover.Binary != filepath.Base(os.Args[0]) {
		t.Fatalf("after its test run was killed: %+v; want a leftover of pid %d", left, killed.Process.Pid)
	}
	t.Logf("listed as %+v", *left.Leftover)

	// The next run: its first Up removes the leftover before it brings
	// its own topology up; it takes that down when its stdin ends.
	nextRun := startChild(t, ctx, next, file)
	if rest := livetest.Leftovers(t, o, name); len(rest) > 0 {
		t.Errorf("left after the next run's Up: %v", rest)
	}
	if n := find(t, o, next); n == nil || n.Leftover != nil {
		t.Errorf("the next run's own topology: %+v", n)
	}
	_ = nextRun.stdin.Close()
	if err := nextRun.Wait(); err != nil {
		t.Errorf("the next run: %v", err)
	}
	if rest := livetest.Leftovers(t, o, next); len(rest) > 0 {
		t.Errorf("the next run left %v", rest)
	}
	// With nothing left, there is nothing to remove.
	if removed, err := topotest.RemoveLeftovers(ctx, o); err != nil || slices.Contains(removed, name) || slices.Contains(removed, next) {
		t.Errorf("RemoveLeftovers afterwards: %v, %v", removed, err)
	}
}

// checkRunLabels checks that a topology's containers name the test run
// of this test binary that made them.
func checkRunLabels(t *testing.T, o *orchestrator.Orchestrator, name string) {
	t.Helper()
	cs, err := o.Runtime().ListContainers(t.Context(), map[string]string{engine.LabelTopology: name})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if c.Labels[engine.LabelTestBinary] != filepath.Base(os.Args[0]) || c.Labels[engine.LabelTestRun] == "" {
			t.Errorf("container %s: labels %v name no test run of %s", c.Name, c.Labels, filepath.Base(os.Args[0]))
		}
	}
}

// childRun is a running TestKilledRunChild.
type childRun struct {
	*exec.Cmd
	stdin io.Closer // closing it ends the child's test
}

// startChild runs this test binary as TestKilledRunChild and returns once
// its topology is up. Its standard input stays open until the test ends.
func startChild(t *testing.T, ctx context.Context, name, file string) childRun {
	t.Helper()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestKilledRunChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childNameEnv+"="+name, childFileEnv+"="+file)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stdin.Close(); _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var out bytes.Buffer
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if sc.Text() == childReady {
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return childRun{Cmd: cmd, stdin: stdin}
		}
		fmt.Fprintln(&out, sc.Text())
	}
	_ = cmd.Wait()
	t.Fatalf("the child test ended before its topology was up: %v\n%s%s", ctx.Err(), out.String(), stderr.String())
	return childRun{}
}

// find is name as List shows it; nil when it is not listed.
func find(t *testing.T, o *orchestrator.Orchestrator, name string) *orchestrator.TopologyInfo {
	t.Helper()
	tops, err := o.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for i := range tops {
		if tops[i].Name == name {
			return &tops[i]
		}
	}
	return nil
}
