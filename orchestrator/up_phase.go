package orchestrator

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// phase runs f as one timed phase.
func (u *upRun) phase(ctx context.Context, p Phase, total int, f func(ctx context.Context) error) error {
	start := time.Now()
	u.o.emit(Progress{Topology: u.name, Phase: p, Status: "started", Total: total})
	err := f(ctx)
	d := time.Since(start)
	u.mu.Lock()
	u.timings = append(u.timings, PhaseTiming{Phase: p, Duration: d})
	u.mu.Unlock()
	status := "done"
	switch {
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		status = "stopped" // by an interruption or another phase's failure, which is told once
	case err != nil:
		status = "failed"
	}
	u.o.emit(Progress{Topology: u.name, Phase: p, Status: status, Done: total, Total: total, Err: err, Elapsed: d})
	return err
}

// forEachLimit runs f for every item, at most limit at once, as one
// phase, and reports each item's end.
func (u *upRun) forEachLimit(ctx context.Context, p Phase, items []string, limit int, f func(ctx context.Context, item string) error) error {
	return u.phase(ctx, p, len(items), func(ctx context.Context) error {
		var done atomic.Int64
		return boundedEach(ctx, limit, items, func(ctx context.Context, item string) error {
			err := f(ctx, item)
			status := "done"
			if err != nil {
				status = "failed"
			}
			if err != nil && ctx.Err() != nil {
				return err // cut short by an interruption or another's failure, which is told once
			}
			u.o.emit(Progress{Topology: u.name, Phase: p, Resource: item, Status: status, Done: int(done.Add(1)), Total: len(items), Err: err})
			return err
		})
	})
}

// boundedEach runs f over items with at most limit in flight. The first
// error cancels the rest.
func boundedEach[T any](ctx context.Context, limit int, items []T, f func(ctx context.Context, item T) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(limit)
	for _, it := range items {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			return f(ctx, it)
		})
	}
	return g.Wait()
}

// uncancelled lets a create that has started finish even when Up is
// cancelled. The engine goes on with a request whose client gave up, and a
// resource that appears after the rollback looked would leak; a finished
// create is known and rolled back. The call keeps Up's deadline, and
// createGrace past it, rather than the engine layer's per-call timeout: a
// loaded engine queues network creates for longer than that (35 s seen in
// CI), and a create given up on meanwhile appeared after the rollback.
// Without a deadline the engine layer's per-call timeout bounds it, and
// boundedEach starts no new call once ctx ends.
func uncancelled(ctx context.Context) (context.Context, context.CancelFunc) {
	detached := context.WithoutCancel(ctx)
	if dl, ok := ctx.Deadline(); ok {
		return context.WithDeadline(detached, dl.Add(createGrace))
	}
	return detached, func() {}
}

// createGrace is how long past Up's deadline a create begun before it may
// take to finish, so that what it makes is rolled back.
const createGrace = 30 * time.Second

// newRunID names one Apply, for the topo.run label.
func newRunID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
