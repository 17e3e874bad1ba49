package node

import (
	"bytes"
	"context"
	"math/rand/v2"
	"time"

	"github.com/topo-dev/topo/node/frame"
)

// trafficLoop originates a background message every interval, starting at a
// random point of the first interval so that nodes do not send in lockstep.
func (a *Agent) trafficLoop(ctx context.Context) error {
	every := a.cfg.Traffic.Interval.D()
	size := min(max(a.cfg.Traffic.Size, 0), frame.MaxPayload)
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
		if !a.traffic.Load() {
			continue
		}
		to := a.targets[rand.IntN(len(a.targets))]
		a.originate(a.newData(to, payload, false))
	}
}
