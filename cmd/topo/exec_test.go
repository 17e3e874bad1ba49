package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/topo-dev/topo/engine"
)

// TestAgentCommandError: a command other than the agent's, on a node that
// runs topo's agent, is a usage error that says what works there.
func TestAgentCommandError(t *testing.T) {
	if err := agentCommandError("hub", []string{"/topo-node", "stats"}); err != nil {
		t.Errorf("the agent's own command: %v", err)
	}
	err := agentCommandError("hub", []string{"sh"})
	var ue usageError
	if !errors.As(err, &ue) {
		t.Fatalf("sh on an agent node: %v, want a usage error", err)
	}
	for _, want := range []string{"node hub runs topo's agent", "no shell", "topo exec hub -- /topo-node stats", "/topo-node ready", "/topo-node send TO TEXT", "/topo-node dial HOST:PORT", "/topo-node trace ADDR", "your own image"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %q:\n%s", want, err)
		}
	}
	if err := agentCommandError("hub", []string{"stats"}); err == nil || !strings.Contains(err.Error(), "`topo exec hub -- /topo-node stats`") {
		t.Errorf("a verb without the agent's path: %v", err)
	}
}

// TestExecModeDefaults: docker exec's defaults, decided from which streams
// are terminals, and -i and --tty overriding them.
func TestExecModeDefaults(t *testing.T) {
	for _, tc := range []struct {
		name          string
		flags         execFlags
		inTerm, outTy bool
		want          execMode
	}{
		{"both terminals: a session", execFlags{}, true, true, execMode{stdin: true, tty: true}},
		{"piped in, terminal out", execFlags{}, false, true, execMode{stdin: true}},
		{"piped in and out", execFlags{}, false, false, execMode{stdin: true}},
		{"terminal in, out to a file", execFlags{}, true, false, execMode{}},
		{"--tty=false on terminals", execFlags{ttySet: true}, true, true, execMode{}},
		{"--tty=false -i on terminals", execFlags{ttySet: true, interactive: true, interactiveSet: true}, true, true, execMode{stdin: true}},
		{"--tty with a pipe", execFlags{tty: true, ttySet: true}, false, false, execMode{stdin: true, tty: true}},
		{"--interactive=false with a pipe", execFlags{interactiveSet: true}, false, false, execMode{}},
		{"-i, terminal in, out to a file", execFlags{interactive: true, interactiveSet: true}, true, false, execMode{stdin: true}},
		{"--interactive=false on terminals", execFlags{interactiveSet: true}, true, true, execMode{tty: true}},
	} {
		if got := tc.flags.decide(tc.inTerm, tc.outTy); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// TestExecInputWithoutTerminals: with no terminal around, the input is
// standard input itself, no terminal is asked for, and no size is read.
func TestExecInputWithoutTerminals(t *testing.T) {
	stdin := strings.NewReader("hi\n")
	a := &app{stdin: stdin, stdout: &strings.Builder{}}
	ts := a.terminals()
	if ts.in != nil || ts.out != nil {
		t.Fatalf("a reader and a builder taken for terminals: %+v", ts)
	}
	for _, tc := range []struct {
		mode execMode
		want *engine.ExecInput
	}{
		{execMode{}, nil},
		{execMode{stdin: true}, &engine.ExecInput{Stdin: stdin}},
		{execMode{stdin: true, tty: true}, &engine.ExecInput{Stdin: stdin, TTY: true}},
	} {
		in, restore, err := ts.input(context.Background(), tc.mode)
		restore()
		if err != nil || (in == nil) != (tc.want == nil) || in != nil && (in.Stdin != tc.want.Stdin || in.TTY != tc.want.TTY || !in.Size.IsZero() || in.Resize != nil) {
			t.Errorf("%+v: %+v, %v; want %+v", tc.mode, in, err, tc.want)
		}
	}
}

// TestExecDockerHabit: docker's -it takes the node for a topology here (-t
// is --topology in every topo command); the usage error says so.
func TestExecDockerHabit(t *testing.T) {
	code, _, stderr := runCLI(t, "exec", "-it", "box", "--", "sh")
	if code != exitUsage || !strings.Contains(stderr, `-t names the topology here (it took "box")`) || !strings.Contains(stderr, "-i --tty") {
		t.Errorf("exec -it box -- sh: exit %d, %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "exec", "box"); code != exitUsage || !strings.Contains(stderr, "requires at least 2 arg(s)") {
		t.Errorf("exec box: exit %d, %s", code, stderr)
	}
}
