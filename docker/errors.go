package docker

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"syscall"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/client"
	"github.com/topo-dev/topo/engine"
)

// engineError carries the engine's own error and the sentinel it maps to,
// so that errors.Is matches both while the message stays short:
// "<op>: <engine message>".
type engineError struct {
	op       string
	sentinel error // may be nil
	err      error
}

func (e *engineError) Error() string {
	if errors.Is(e.err, context.DeadlineExceeded) {
		// Which call hung is what a user needs; the SDK's text is a URL.
		return e.op + ": the Docker engine did not answer in time (" + context.DeadlineExceeded.Error() + ")"
	}
	return e.op + ": " + e.err.Error()
}

func (e *engineError) Unwrap() []error {
	if e.sentinel == nil {
		return []error{e.err}
	}
	return []error{e.sentinel, e.err}
}

// wrap prefixes err with op and attaches the sentinel it maps to.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return &engineError{op: op, sentinel: sentinelFor(err), err: err}
}

// wrapAs is wrap with a known sentinel.
func wrapAs(op string, sentinel, err error) error {
	return &engineError{op: op, sentinel: sentinel, err: err}
}

// sentinelFor maps an engine error to one of the engine port's sentinels,
// or nil when none applies. Context errors are left alone: they already
// match context.Canceled and context.DeadlineExceeded.
func sentinelFor(err error) error {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return nil
	case cerrdefs.IsNotFound(err):
		return engine.ErrNotFound
	case cerrdefs.IsConflict(err):
		return engine.ErrConflict
	case isConnectionError(err):
		return engine.ErrUnreachable
	}
	return nil
}

// networkSentinel refines sentinelFor for network create, where the engine
// reports overlapping pools and taken names with assorted error classes.
func networkSentinel(err error) error {
	msg := strings.ToLower(err.Error())
	switch {
	case strings.Contains(msg, "overlap"),
		strings.Contains(msg, "address already in use"),
		strings.Contains(msg, "conflicts with network"):
		return engine.ErrOverlap
	case strings.Contains(msg, "already exists"):
		return engine.ErrConflict
	}
	return sentinelFor(err)
}

// isConnectionError reports whether err is a failure to reach the engine
// (typed, so that an engine's own message never counts).
func isConnectionError(err error) bool {
	return client.IsErrConnectionFailed(err) ||
		errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ENOENT) ||
		errors.Is(err, syscall.EACCES) ||
		errors.Is(err, fs.ErrPermission) ||
		errors.Is(err, fs.ErrNotExist)
}

// isUnreachable reports whether a Ping error means the engine could not be
// reached at all: nothing listening, no socket, or no permission on it.
func isUnreachable(err error) bool {
	if err == nil {
		return false
	}
	if isConnectionError(err) {
		return true
	}
	msg := strings.ToLower(err.Error())
	for _, s := range []string{
		"cannot connect to the docker daemon",
		"connection refused",
		"no such file or directory",
		"permission denied",
		"no such host",
	} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
