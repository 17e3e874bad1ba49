package docker

import (
	"context"
	"fmt"
	"io"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/topo-dev/topo/engine"
)

// streamStopGrace is how long a streaming helper has, once asked to stop,
// to finish its output (a capture writes its statistics) before it is
// killed.
const streamStopGrace = 5

// RunStream runs a helper whose output is streamed as it comes: it
// attaches to the container before starting it, so that nothing is lost
// and binary output arrives unchanged (the engine's log would mangle it:
// json-file keeps text). When ctx ends, or a write to stdout or stderr
// fails, it stops the helper (SIGTERM, then SIGKILL after a grace), copies
// the rest of its output, and removes it, whatever happened. It returns
// the helper's exit code; ctx ending is how a caller stops it, not an
// error.
func (c *Client) RunStream(ctx context.Context, spec engine.ContainerSpec, stdout, stderr io.Writer) (int, error) {
	op := helperOp(spec)
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	cfg, host, netCfg := containerConfig(spec)
	// The output goes to the caller; the engine keeps none of it.
	host.LogConfig = container.LogConfig{Type: "none"}
	// A create cut off by ctx could leave a helper the engine made but
	// whose ID this never learned; so it runs to its end.
	cctx, cancel := c.uncut(ctx)
	resp, err := c.api.ContainerCreate(cctx, cfg, host, netCfg, nil, spec.Name)
	cancel()
	if err != nil {
		return -1, wrap(op, err)
	}
	defer func() {
		if err := c.RemoveContainer(ctx, resp.ID); err != nil {
			c.log.Warn("remove helper container", "id", resp.ID, "err", err)
		}
	}()
	if err := ctx.Err(); err != nil {
		return -1, fmt.Errorf("%s: %w", op, err)
	}
	// The stream and the wait outlive ctx: after a stop they carry the
	// helper's last output and its exit code.
	bg := context.WithoutCancel(ctx)
	cctx, cancel = c.call(bg)
	hijacked, err := c.api.ContainerAttach(cctx, resp.ID, container.AttachOptions{Stream: true, Stdout: true, Stderr: true})
	cancel()
	if err != nil {
		return -1, wrap(op+": attach", err)
	}
	defer hijacked.Close()
	waitCh, errCh := c.api.ContainerWait(bg, resp.ID, container.WaitConditionNextExit)
	cctx, cancel = c.call(ctx)
	err = c.api.ContainerStart(cctx, resp.ID, container.StartOptions{})
	cancel()
	if err != nil {
		return -1, wrap(op, err)
	}
	copied := make(chan error, 1)
	go func() {
		_, err := stdcopy.StdCopy(stdout, stderr, hijacked.Reader)
		copied <- err
	}()
	return c.streamUntilExit(ctx, op, resp.ID, waitCh, errCh, copied)
}

// streamUntilExit waits for a streaming helper to exit, stopping it when
// ctx ends or its output cannot be written, and for the rest of its output.
func (c *Client) streamUntilExit(ctx context.Context, op, id string, waitCh <-chan container.WaitResponse, errCh <-chan error, copied <-chan error) (int, error) {
	var copyErr error
	copyDone := false
	stop := func() {
		sctx, cancel := c.uncut(ctx)
		defer cancel()
		grace := streamStopGrace
		if err := c.api.ContainerStop(sctx, id, container.StopOptions{Timeout: &grace}); err != nil {
			c.log.Warn("stop helper container", "id", id, "err", err)
		}
	}
	done := ctx.Done()
	for {
		select {
		case <-done:
			done = nil
			stop()
		case copyErr = <-copied:
			copyDone = true
			copied = nil
			if copyErr != nil {
				stop()
			}
		case res := <-waitCh:
			if !copyDone {
				copyErr = <-copied // the stream ends with the helper
			}
			if res.Error != nil {
				return -1, fmt.Errorf("%s: %s", op, res.Error.Message)
			}
			if copyErr != nil {
				return int(res.StatusCode), fmt.Errorf("%s: output: %w", op, copyErr)
			}
			return int(res.StatusCode), nil
		case err := <-errCh:
			return -1, wrap(op, err)
		}
	}
}
