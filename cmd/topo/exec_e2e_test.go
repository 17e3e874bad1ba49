package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/topo-dev/topo/internal/livetest"
)

// TestIntegrationExecInput runs the built binary's exec as a user does, on a
// node running a user's own image (busybox): piped input reaches the
// command, its exit code is topo's, a terminal gets a terminal of its size,
// a Ctrl-C typed there reaches the command, and without a terminal Ctrl-C
// ends the exec with 130.
func TestIntegrationExecInput(t *testing.T) {
	livetest.Require(t)
	image := livetest.Busybox(t, livetest.Runtime(t))
	name := livetest.Name(t, "exec")
	file := filepath.Join(t.TempDir(), "box.yaml")
	yaml := fmt.Sprintf("layout: p2p\nnodes:\n  - {name: box, image: %q, command: [/bin/busybox, sleep, \"3600\"]}\n"+
		"  - {name: peer, image: %[1]q, command: [/bin/busybox, sleep, \"3600\"]}\n", image)
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { topo(t, nil, "down", name) })
	topo(t, nil, "up", "--name", name, file).must(t, 0)
	bin := topoBinary(t)
	execIn := func(stdin string, args ...string) result {
		cmd := exec.Command(bin, append([]string{"exec", "-t", name}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		return runCmd(t, cmd)
	}

	if r := execIn("hi\n", "box", "--", "/bin/busybox", "cat").must(t, 0); r.stdout != "hi\n" {
		t.Errorf("echo hi | topo exec box -- cat: %q", r.stdout)
	}
	if r := execIn("hi\n", "--interactive=false", "box", "--", "/bin/busybox", "cat").must(t, 0); r.stdout != "" {
		t.Errorf("cat with --interactive=false read %q", r.stdout)
	}
	execIn("", "box", "--", "/bin/busybox", "sh", "-c", "exit 3").must(t, 3)

	// On a terminal (script gives topo one, 33 rows by 101 columns), the
	// command gets a terminal of that size. An engine before API 1.42 sets
	// the size just after the command starts, but before any input: the
	// line the command reads first makes it wait for the size.
	line := fmt.Sprintf("stty rows 33 cols 101; '%s' exec -t %s box -- /bin/busybox sh -c 'read l; tty; stty size; exit 4'", bin, name)
	cmd := exec.Command("script", "-qec", line, "/dev/null")
	cmd.Stdin = strings.NewReader("\r")
	r := runCmd(t, cmd).must(t, 4)
	if !strings.Contains(r.stdout, "/dev/pts/") || !strings.Contains(r.stdout, "33 101") {
		t.Errorf("exec on a terminal:\n%s", r.stdout)
	}

	// A Ctrl-C typed on the terminal goes to the command, not to topo.
	line = fmt.Sprintf(`'%s' exec -t %s box -- /bin/busybox sh -c 'trap "echo caught; exit 9" INT; echo ready; /bin/busybox sleep 60'`, bin, name)
	cmd = exec.Command("script", "-qec", line, "/dev/null")
	typed, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out := startUntil(t, cmd, "ready")
	_, _ = typed.Write([]byte{0x03})
	if rest, code := finish(t, cmd, out); code != 9 || !strings.Contains(rest, "caught") {
		t.Errorf("Ctrl-C on a terminal: exit %d, output %q; want the command's trap, exit 9", code, rest)
	}

	// Without a terminal, Ctrl-C (SIGINT) ends the exec, quietly, with 130.
	cmd = exec.Command(bin, "exec", "-t", name, "box", "--", "/bin/busybox", "sh", "-c", "echo ready; /bin/busybox sleep 60")
	cmd.Stdin = strings.NewReader("")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out = startUntil(t, cmd, "ready")
	_ = cmd.Process.Signal(os.Interrupt)
	if _, code := finish(t, cmd, out); code != exitInterrupted || stderr.String() != "" {
		t.Errorf("Ctrl-C without a terminal: exit %d, stderr %q; want 130 and nothing said", code, stderr.String())
	}
}

// startUntil starts cmd and reads its output until want appears.
func startUntil(t *testing.T, cmd *exec.Cmd, want string) io.Reader {
	t.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var seen strings.Builder
	buf := make([]byte, 256)
	for !strings.Contains(seen.String(), want) {
		n, err := out.Read(buf)
		seen.Write(buf[:n])
		if err != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("%s ended before it said %q: %v\n%s", cmd, want, err, seen.String())
		}
	}
	return out
}

// finish reads the rest of a started command's output and waits for it.
func finish(t *testing.T, cmd *exec.Cmd, out io.Reader) (string, int) {
	t.Helper()
	rest, _ := io.ReadAll(out)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(rest), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(rest), 0
}
