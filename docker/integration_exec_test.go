package docker_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/livetest"
)

// TestIntegrationExecInput: an exec reads standard input to its end (cat
// exits), and on a terminal gets one stream, the size it was given, and
// the sizes it is sent later, as docker exec -i -t does.
func TestIntegrationExecInput(t *testing.T) {
	rt := livetest.Runtime(t)
	image := livetest.Busybox(t, rt)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	name := livetest.Name(t, "exec")
	cleanupTopology(t, rt, name)
	id, err := rt.CreateContainer(ctx, engine.ContainerSpec{
		Name: name + "-box", Image: image, Cmd: []string{"/bin/busybox", "sleep", "600"},
		Labels: map[string]string{engine.LabelTopology: name, engine.LabelNode: "box"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.StartContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	sh := func(script string) []string { return []string{"/bin/busybox", "sh", "-c", script} }

	t.Run("stdin", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		code, err := rt.Exec(ctx, id, []string{"/bin/busybox", "cat"}, &stdout, &stderr, engine.ExecInput{Stdin: strings.NewReader("hi\n")})
		if err != nil || code != 0 || stdout.String() != "hi\n" || stderr.Len() != 0 {
			t.Errorf("cat of hi = %d, %v; stdout %q stderr %q", code, err, stdout.String(), stderr.String())
		}
		stdout.Reset()
		code, err = rt.Exec(ctx, id, sh("echo out; echo err >&2; exit 3"), &stdout, &stderr, engine.ExecInput{Stdin: strings.NewReader("")})
		if err != nil || code != 3 || stdout.String() != "out\n" || stderr.String() != "err\n" {
			t.Errorf("exit 3 = %d, %v; stdout %q stderr %q", code, err, stdout.String(), stderr.String())
		}
	})

	t.Run("tty", func(t *testing.T) {
		// The size given is set before any input is sent: the line read
		// first makes the command wait for it.
		var out bytes.Buffer
		in := engine.ExecInput{Stdin: strings.NewReader("\n"), TTY: true, Size: engine.WindowSize{Rows: 33, Cols: 101}}
		code, err := rt.Exec(ctx, id, sh("read l; stty size; tty; echo err >&2; exit 7"), &out, nil, in)
		got := out.String()
		if err != nil || code != 7 || !strings.Contains(got, "33 101\r\n") || !strings.Contains(got, "/dev/pts/") || !strings.Contains(got, "err\r\n") {
			t.Errorf("on a terminal = %d, %v; output %q, want 33 101, a /dev/pts name and stderr, with CRLF", code, err, got)
		}
		// The end of piped input reaches a terminal as Ctrl-D: cat ends.
		out.Reset()
		code, err = rt.Exec(ctx, id, []string{"/bin/busybox", "cat"}, &out, nil, engine.ExecInput{Stdin: strings.NewReader("hi\n"), TTY: true})
		if err != nil || code != 0 || !strings.Contains(out.String(), "hi\r\n") {
			t.Errorf("cat of hi on a terminal = %d, %v; output %q", code, err, out.String())
		}
	})

	t.Run("resize", func(t *testing.T) {
		stdin, w := io.Pipe()
		resize := make(chan engine.WindowSize)
		var out bytes.Buffer
		type result struct {
			code int
			err  error
		}
		done := make(chan result, 1)
		go func() {
			code, err := rt.Exec(ctx, id, sh("read l; stty size"), &out, nil,
				engine.ExecInput{Stdin: stdin, TTY: true, Size: engine.WindowSize{Rows: 10, Cols: 20}, Resize: resize})
			done <- result{code, err}
		}()
		// A size is applied before the next is taken: once the second is
		// taken, the first is in force.
		resize <- engine.WindowSize{Rows: 40, Cols: 120}
		resize <- engine.WindowSize{Rows: 40, Cols: 120}
		_, _ = w.Write([]byte("\n"))
		r := <-done
		_ = w.Close()
		if r.err != nil || r.code != 0 || !strings.Contains(out.String(), "40 120\r\n") {
			t.Errorf("resized = %d, %v; output %q, want 40 120", r.code, r.err, out.String())
		}
	})
}
