package orchestrator

import (
	"context"
	"errors"
	"fmt"
)

// fail rolls a failed apply back, unless it created nothing or was told to
// retain, and says what happened.
func (u *upRun) fail(ctx context.Context, err error) error {
	name, o := u.name, u.o
	if errors.Is(err, errConcurrentUp) || !u.created {
		return fmt.Errorf("up %s: %w", name, err) // what exists is not ours to remove
	}
	if u.opts.Retain {
		return fmt.Errorf("up %s: %w (resources kept because of --retain; remove them with `topo down %s`)", name, err, name)
	}
	timedOut := ctx.Err() != nil && errors.Is(err, context.DeadlineExceeded)
	interrupted := errors.Is(err, context.Canceled) || ctx.Err() != nil && errors.Is(context.Cause(ctx), context.Canceled)
	why := fmt.Sprintf("up %s: %v", name, err)
	switch {
	case timedOut:
		why = fmt.Sprintf("up %s: timed out after %s (raise --timeout?): %v", name, u.opts.Timeout, err)
	case interrupted:
		why = fmt.Sprintf("up %s: interrupted", name)
	}
	if rbErr := o.rollback(ctx, name, u.runID, len(u.d.Plan.Nodes)); rbErr != nil {
		return fmt.Errorf("%s; removing what it created failed too (%v): remove the rest with `topo down %s`: %w", why, rbErr, name, err)
	}
	switch {
	case timedOut:
		return fmt.Errorf("up %s: timed out after %s and removed what it created (raise --timeout?): %w", name, u.opts.Timeout, err)
	case interrupted:
		// The calls it cut short say so in the engine's words: one line is enough.
		return fmt.Errorf("up %s: interrupted; removed what it created: %w", name, context.Canceled)
	}
	return fmt.Errorf("up %s: %w", name, err)
}
