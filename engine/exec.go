package engine

import "io"

// ExecInput is what an exec reads besides its command line: its standard
// input and, for an interactive session, a terminal. Runtime.Exec takes at
// most one; without it a command gets no input and no terminal, which is
// what topo's own execs (stats, ready, send) want.
type ExecInput struct {
	// Stdin is copied to the command until it ends, then the command's
	// input is closed, so that `cat` sees its end. Nil: no input.
	Stdin io.Reader
	// TTY runs the command on a pseudo-terminal: its output comes back as
	// one raw stream (stderr goes to stdout, as on a terminal), and the
	// terminal, not the engine, turns a Ctrl-C read from Stdin into SIGINT.
	TTY bool
	// Size is the terminal's size at the start; zero leaves the engine's
	// default. It matters only with TTY.
	Size WindowSize
	// Resize carries later sizes (a window resized). The exec takes one at
	// a time, and a size is applied before the next is received. Nil: the
	// size never changes.
	Resize <-chan WindowSize
}

// WindowSize is a terminal's size in character cells.
type WindowSize struct {
	Rows, Cols uint
}

// IsZero reports whether the size is unknown.
func (s WindowSize) IsZero() bool { return s.Rows == 0 || s.Cols == 0 }
