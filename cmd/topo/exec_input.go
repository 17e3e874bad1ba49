package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/topo-dev/topo/engine"
)

// exitInterrupted is a shell's exit code for a command ended by Ctrl-C.
const exitInterrupted = 130

// execFlags are exec's -i and --tty, and whether each was given.
type execFlags struct {
	interactive, interactiveSet bool
	tty, ttySet                 bool
}

// execMode is what an exec gets: standard input, a terminal, or both.
type execMode struct{ stdin, tty bool }

// decide applies docker exec's defaults to what was not given: a terminal
// when standard input and output are both terminals; standard input when
// it is not a terminal (a pipe or a file: there is something to read), or
// when the command gets a terminal to type into.
func (f execFlags) decide(stdinTerminal, stdoutTerminal bool) execMode {
	m := execMode{tty: stdinTerminal && stdoutTerminal}
	if f.ttySet {
		m.tty = f.tty
	}
	m.stdin = !stdinTerminal || m.tty
	if f.interactiveSet {
		m.stdin = f.interactive
	}
	return m
}

// terminals are topo's standard input and output where they are terminals
// (nil where not), and its standard input as a reader.
type terminals struct {
	stdin   io.Reader
	in, out *os.File
}

// terminals says which of a's streams are terminals.
func (a *app) terminals() terminals {
	t := terminals{stdin: a.stdin}
	if f, ok := a.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		t.in = f
	}
	if f, ok := a.stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		t.out = f
	}
	return t
}

// input prepares an exec's input for mode: with a terminal on topo's own
// standard input, that terminal goes raw (so that Ctrl-C, Ctrl-D and every
// key reach the command's terminal unchanged), and its size and resizes
// are followed until restore, which puts the terminal back.
func (t terminals) input(ctx context.Context, mode execMode) (in *engine.ExecInput, restore func(), err error) {
	restore = func() {}
	if !mode.stdin && !mode.tty {
		return nil, restore, nil
	}
	in = &engine.ExecInput{TTY: mode.tty}
	if mode.stdin {
		in.Stdin = t.stdin
	}
	if !mode.tty {
		return in, restore, nil
	}
	sized := t.out
	if sized == nil {
		sized = t.in
	}
	if sized != nil {
		in.Size = windowSize(sized)
		var stop func()
		in.Resize, stop = watchResize(ctx, sized)
		restore = stop
	}
	if t.in != nil && mode.stdin {
		state, err := term.MakeRaw(int(t.in.Fd()))
		if err != nil {
			restore()
			return nil, func() {}, fmt.Errorf("exec: put the terminal in raw mode: %w", err)
		}
		stop := restore
		restore = func() {
			_ = term.Restore(int(t.in.Fd()), state)
			stop()
		}
	}
	return in, restore, nil
}

// windowSize is a terminal's size, zero when it cannot be read.
func windowSize(f *os.File) engine.WindowSize {
	w, h, err := term.GetSize(int(f.Fd()))
	if err != nil || w <= 0 || h <= 0 {
		return engine.WindowSize{}
	}
	return engine.WindowSize{Rows: uint(h), Cols: uint(w)}
}
