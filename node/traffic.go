package node

import (
	"bytes"
	"context"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/frame"
)

// trafficLoop originates (through originate, a message made by newData) a
// background message to one of targets every interval while on is set,
// starting at a random point of the first interval so that nodes do not
// send in lockstep.
func trafficLoop(ctx context.Context, tr agent.Traffic, targets func() []string, on *atomic.Bool,
	originate func(*frame.Frame) string, newData func(to string, payload []byte, receipt bool) *frame.Frame) error {
	every := tr.Interval.D()
	size := min(max(tr.Size, 0), frame.MaxPayload)
	payload := bytes.Repeat([]byte("topo"), size/4+1)[:size]
	t := time.NewTimer(rand.N(every) + 1)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		// ±10% jitter keeps nodes from falling into step.
		t.Reset(every - every/10 + rand.N(every/5+1))
		to := targets()
		if !on.Load() || len(to) == 0 {
			continue
		}
		originate(newData(to[rand.IntN(len(to))], payload, false))
	}
}
