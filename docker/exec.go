package docker

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
)

// Exec runs cmd in a running container, copies its output to stdout and
// stderr (either may be nil) and returns its exit code. Cancelling ctx
// closes the stream and returns ctx's error; the process itself may run on.
func (c *Client) Exec(ctx context.Context, id string, cmd []string, stdout, stderr io.Writer) (int, error) {
	op := fmt.Sprintf("exec %q in %q", cmd, id)
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	cctx, cancel := c.call(ctx)
	created, err := c.api.ContainerExecCreate(cctx, id, container.ExecOptions{
		Cmd:          cmd,
		AttachStdout: true,
		AttachStderr: true,
	})
	cancel()
	if err != nil {
		return -1, wrap(op, err)
	}

	cctx, cancel = c.call(ctx)
	hijacked, err := c.api.ContainerExecAttach(cctx, created.ID, container.ExecAttachOptions{})
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
	_, copyErr := stdcopy.StdCopy(stdout, stderr, hijacked.Reader)
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
