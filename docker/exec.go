package docker

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/topo-dev/topo/engine"
)

// Exec runs cmd in a running container, copies its output to stdout and
// stderr (either may be nil) and returns its exit code. With an
// engine.ExecInput it also copies standard input and runs on a terminal,
// as docker exec -i -t does. Cancelling ctx closes the stream and returns
// ctx's error; the process itself may run on. Exec returns when the output
// ends: a read from Stdin still blocked then ends in the background, and
// what it read goes nowhere.
func (c *Client) Exec(ctx context.Context, id string, cmd []string, stdout, stderr io.Writer, in ...engine.ExecInput) (int, error) {
	op := fmt.Sprintf("exec %q in %q", cmd, id)
	if len(in) > 1 {
		return -1, fmt.Errorf("%s: %d inputs, want at most one", op, len(in))
	}
	var input engine.ExecInput
	if len(in) == 1 {
		input = in[0]
	}
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	opts := container.ExecOptions{
		Cmd:          cmd,
		AttachStdin:  input.Stdin != nil,
		AttachStdout: true,
		AttachStderr: true,
		Tty:          input.TTY,
	}
	if input.TTY && !input.Size.IsZero() {
		opts.ConsoleSize = &[2]uint{input.Size.Rows, input.Size.Cols}
	}
	cctx, cancel := c.call(ctx)
	created, err := c.api.ContainerExecCreate(cctx, id, opts)
	cancel()
	if err != nil {
		return -1, wrap(op, err)
	}

	cctx, cancel = c.call(ctx)
	hijacked, err := c.api.ContainerExecAttach(cctx, created.ID, container.ExecAttachOptions{Tty: input.TTY, ConsoleSize: opts.ConsoleSize})
	cancel()
	if err != nil {
		return -1, wrap(op, err)
	}
	// The hijacked connection does not watch the context; close it when
	// the context ends so that the copy below returns.
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			hijacked.Close()
		case <-done:
		}
	}()
	c.startInput(ctx, created.ID, input, hijacked, done)
	copyErr := copyExecOutput(stdout, stderr, hijacked.Reader, input.TTY)
	close(done)
	hijacked.Close()
	if ctx.Err() != nil {
		return -1, fmt.Errorf("%s: %w", op, ctx.Err())
	}
	if copyErr != nil {
		return -1, fmt.Errorf("%s: read output: %w", op, copyErr)
	}
	return c.execExitCode(ctx, op, created.ID)
}

// startInput sets the terminal's size and starts copying standard input
// and later sizes into a started exec, until done.
func (c *Client) startInput(ctx context.Context, execID string, input engine.ExecInput, hijacked types.HijackedResponse, done <-chan struct{}) {
	if input.TTY {
		// Engines before API 1.42 ignore the size given at the start. It
		// is set before any input is sent, so that a command that reads a
		// line first finds its terminal sized.
		if !input.Size.IsZero() {
			c.resizeExec(ctx, execID, input.Size)
		}
		if input.Resize != nil {
			go func() {
				for {
					select {
					case <-done:
						return
					case s, ok := <-input.Resize:
						if !ok {
							return
						}
						c.resizeExec(ctx, execID, s)
					}
				}
			}()
		}
	}
	if input.Stdin != nil {
		go func() {
			_, err := io.Copy(hijacked.Conn, input.Stdin)
			if err != nil {
				c.log.Debug("exec input", "exec", execID, "err", err)
			}
			if input.TTY {
				// On a terminal the engine ends the output as soon as the
				// input ends, so the input stays open, and its end is
				// typed as a person would: Ctrl-D.
				_, err = hijacked.Conn.Write([]byte{eot})
			} else {
				// The command sees the end of its input (cat exits); its
				// output still comes back.
				err = hijacked.CloseWrite()
			}
			if err != nil {
				c.log.Debug("exec input: end", "exec", execID, "err", err)
			}
		}()
	}
}

// eot is Ctrl-D, which a terminal reads as the end of input.
const eot = 0x04

// resizeExec sets an exec's terminal size. A failure is no error of the
// command's: the exec may have just ended, and its output says the rest.
func (c *Client) resizeExec(ctx context.Context, execID string, s engine.WindowSize) {
	if s.IsZero() {
		return
	}
	cctx, cancel := c.call(ctx)
	defer cancel()
	if err := c.api.ContainerExecResize(cctx, execID, container.ResizeOptions{Height: s.Rows, Width: s.Cols}); err != nil {
		c.log.Debug("exec resize", "exec", execID, "err", err)
	}
}

// copyExecOutput copies an exec's output: one raw stream on a terminal,
// else stdout and stderr multiplexed in the engine's frames.
func copyExecOutput(stdout, stderr io.Writer, r io.Reader, tty bool) error {
	if tty {
		_, err := io.Copy(stdout, r)
		return err
	}
	_, err := stdcopy.StdCopy(stdout, stderr, r)
	return err
}

// execExitCode inspects a finished exec. The stream can end a moment before
// the engine records the exit, so it waits (briefly, with ctx) for that.
func (c *Client) execExitCode(ctx context.Context, op, execID string) (int, error) {
	delay := 5 * time.Millisecond
	for {
		cctx, cancel := c.call(ctx)
		res, err := c.api.ContainerExecInspect(cctx, execID)
		cancel()
		if err != nil {
			return -1, wrap(op, err)
		}
		if !res.Running {
			return res.ExitCode, nil
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return -1, fmt.Errorf("%s: %w", op, ctx.Err())
		case <-t.C:
		}
		delay = min(2*delay, 200*time.Millisecond)
	}
}
