package docker

import (
	"context"
	"fmt"
	"io"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/topo-dev/topo/engine"
)

// helperOp names a helper's run in errors.
func helperOp(spec engine.ContainerSpec) string {
	op := fmt.Sprintf("run helper %q", spec.Cmd)
	if spec.JoinNetworkOf != "" {
		op += " in the network of " + spec.JoinNetworkOf
	}
	return op
}

// RunToCompletion runs a short-lived helper: it creates the container,
// starts it, waits for it to exit, copies its output to stdout and stderr
// (either may be nil), and removes it, whatever happened. It returns the
// helper's exit code.
func (c *Client) RunToCompletion(ctx context.Context, spec engine.ContainerSpec, stdout, stderr io.Writer) (int, error) {
	op := helperOp(spec)
	cfg, host, netCfg := containerConfig(spec)
	if spec.HostsOf != "" {
		bind, err := c.hostsBind(ctx, op, spec.HostsOf)
		if err != nil {
			return -1, err
		}
		host.Binds = append(host.Binds, bind)
	}
	cctx, cancel := c.call(ctx)
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
	// Waiting is asked for before the start, so that a helper that exits
	// at once is not missed.
	waitCh, errCh := c.api.ContainerWait(ctx, resp.ID, container.WaitConditionNextExit)
	cctx, cancel = c.call(ctx)
	err = c.api.ContainerStart(cctx, resp.ID, container.StartOptions{})
	cancel()
	if err != nil {
		return -1, wrap(op, err)
	}
	var code int
	select {
	case res := <-waitCh:
		if res.Error != nil {
			return -1, fmt.Errorf("%s: %s", op, res.Error.Message)
		}
		code = int(res.StatusCode)
	case err := <-errCh:
		return -1, wrap(op, err)
	}
	return code, c.copyOutput(ctx, op, resp.ID, stdout, stderr)
}

// hostsBind mounts the /etc/hosts of container other, writable, at
// engine.HostsMount: the file the engine keeps for it and bind-mounts into
// it, on the engine's host.
func (c *Client) hostsBind(ctx context.Context, op, other string) (string, error) {
	cctx, cancel := c.call(ctx)
	defer cancel()
	full, err := c.api.ContainerInspect(cctx, other)
	if err != nil {
		return "", wrap(op+": hosts file of "+other, err)
	}
	if full.HostsPath == "" {
		return "", fmt.Errorf("%s: container %s has no hosts file of the engine's", op, other)
	}
	return full.HostsPath + ":" + engine.HostsMount + ":rw", nil
}

// copyOutput copies a stopped container's whole output.
func (c *Client) copyOutput(ctx context.Context, op, id string, stdout, stderr io.Writer) error {
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	cctx, cancel := c.call(ctx)
	defer cancel()
	rc, err := c.api.ContainerLogs(cctx, id, container.LogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return wrap(op+": output", err)
	}
	defer rc.Close()
	if _, err := stdcopy.StdCopy(stdout, stderr, rc); err != nil {
		return fmt.Errorf("%s: read output: %w", op, err)
	}
	return nil
}
