package orchestrator_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/orchestrator"
)

// TestIntegrationUserImagePrivileges runs a user's own image three ways:
// confined by default (no capabilities, no new privileges), keeping the
// one capability it names, and with Docker's defaults when privileged.
// Every node runs the image: an agent's readiness with users' images as
// neighbours is another matter (issue 11).
func TestIntegrationUserImagePrivileges(t *testing.T) {
	t.Parallel()
	o := livetest.Engine(t)
	image := livetest.Busybox(t, o.Runtime())
	name := livetest.Name(t, "priv")
	file := filepath.Join(t.TempDir(), "priv.yaml")
	yaml := fmt.Sprintf(`layout: star
nodes:
  - {name: hub, image: %[1]q, command: [/bin/busybox, sleep, "3600"]}
  - {name: plain, image: %[1]q, command: [/bin/busybox, sleep, "3600"]}
  - {name: pinger, image: %[1]q, command: [/bin/busybox, sleep, "3600"], capabilities: [NET_RAW]}
  - {name: legacy, image: %[1]q, command: [/bin/busybox, sleep, "3600"], privileged: true}
traffic: {interval: 0}
`, image)
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	t.Cleanup(func() { _, _ = o.Down(context.Background(), name, orchestrator.DownOptions{}) })
	if _, err := o.Up(ctx, load(t, file), orchestrator.UpOptions{Name: name}); err != nil {
		t.Fatal(err)
	}
	status := func(node string) string {
		var out strings.Builder
		code, err := o.Exec(ctx, name, orchestrator.ExecOptions{Node: node, Cmd: []string{"/bin/busybox", "cat", "/proc/self/status"}, Stdout: &out, Stderr: &out})
		if err != nil || code != 0 {
			t.Fatalf("exec in %s: exit %d, %v: %s", node, code, err, out.String())
		}
		return out.String()
	}
	for _, tc := range []struct {
		node, capEff, noNewPrivs string
	}{
		{"plain", "0000000000000000", "1"},
		{"pinger", "0000000000002000", "1"}, // CAP_NET_RAW is bit 13
		{"legacy", "", "0"},
	} {
		st := status(tc.node)
		if tc.capEff != "" && !strings.Contains(st, "CapEff:\t"+tc.capEff) {
			t.Errorf("%s: effective capabilities are not %s:\n%s", tc.node, tc.capEff, st)
		}
		if tc.capEff == "" && strings.Contains(st, "CapEff:\t0000000000000000") {
			t.Errorf("%s: privileged, yet without capabilities:\n%s", tc.node, st)
		}
		if !strings.Contains(st, "NoNewPrivs:\t"+tc.noNewPrivs) {
			t.Errorf("%s: NoNewPrivs is not %s:\n%s", tc.node, tc.noNewPrivs, st)
		}
	}
}

// TestIntegrationStatusSaysOOMKilled: a node whose container the kernel
// killed for want of memory says so in its status.
func TestIntegrationStatusSaysOOMKilled(t *testing.T) {
	t.Parallel()
	o := livetest.Engine(t)
	image := livetest.Busybox(t, o.Runtime())
	name := livetest.Name(t, "oom")
	file := filepath.Join(t.TempDir(), "oom.yaml")
	yaml := fmt.Sprintf(`layout: p2p
nodes:
  - {name: idle, image: %[1]q, command: [/bin/busybox, sleep, "3600"]}
  - {name: hog, image: %[1]q, command: [/bin/busybox, sh, -c, "sleep 2; /bin/busybox dd if=/dev/zero of=/dev/null bs=400M count=1"]}
traffic: {interval: 0}
`, image)
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	t.Cleanup(func() { _, _ = o.Down(context.Background(), name, orchestrator.DownOptions{}) })
	if _, err := o.Up(ctx, load(t, file), orchestrator.UpOptions{Name: name}); err != nil {
		t.Fatal(err)
	}
	// The engine handles the task's exit and its OOM event apart, in
	// either order: give the flag a few seconds past the exit.
	var hog orchestrator.NodeStatus
	var exited time.Time
	for ctx.Err() == nil {
		st, err := o.Status(ctx, name, orchestrator.StatusOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if hog = st.Nodes[1]; hog.State != "running" && exited.IsZero() {
			exited = time.Now()
		}
		if !exited.IsZero() && (hog.OOMKilled || time.Since(exited) > 10*time.Second) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if hog.State != "exited" || !hog.OOMKilled || hog.ExitCode != 137 {
		t.Errorf("the hog's status: %+v; want exited, OOM killed, exit 137", hog)
	}
}
