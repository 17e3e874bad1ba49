// Package sock holds the agent's socket helpers that know nothing of
// frames or links: accepting with a pause after a failure, the socket
// options a segment's sockets need, and the kernel filter that spares a
// member of a large shared segment the frames for other members.
package sock

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"time"

	"github.com/topo-dev/topo/agent"
)

// The pause after a failed accept starts at AcceptRetryMin and doubles up
// to AcceptRetryMax, as net/http's does.
const (
	AcceptRetryMin = 5 * time.Millisecond
	AcceptRetryMax = time.Second
)

// Accept takes the next connection on ln. A failure other than a closed
// listener (running out of file descriptors, say) is logged on log and
// retried after a pause, so that it cannot stop the agent. It returns nil,
// nil once ctx is done, and the error when ln is closed while the agent
// runs.
func Accept(ctx context.Context, ln net.Listener, log *slog.Logger, what string) (net.Conn, error) {
	var wait time.Duration
	for {
		c, err := ln.Accept()
		switch {
		case err == nil:
			return c, nil
		case ctx.Err() != nil:
			if c != nil {
				_ = c.Close()
			}
			return nil, nil
		case errors.Is(err, net.ErrClosed):
			return nil, err
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			continue
		}
		wait = min(max(2*wait, AcceptRetryMin), AcceptRetryMax)
		log.LogAttrs(ctx, slog.LevelWarn, what+" failed, retrying in "+wait.String(),
			slog.String(agent.FieldEvent, agent.EvError), slog.String(agent.FieldError, err.Error()))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, nil
		case <-t.C:
		}
	}
}
