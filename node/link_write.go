package node

import (
	"context"
	"time"

	"github.com/topo-dev/topo/agent"
)

// writeLoop sends queued frames while the link is up and drops those that
// waited too long for it.
func (l *link) writeLoop(ctx context.Context) error {
	timer := time.NewTimer(writeTick(l.a.o))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			l.mu.Lock()
			l.stopped = true
			l.mu.Unlock()
			l.expire(time.Time{}, agent.ReasonStopped)
			return nil
		case <-l.wake:
		case now := <-timer.C:
			l.mu.Lock()
			why := l.downReason()
			l.mu.Unlock()
			l.expire(now.Add(-l.a.o.queueWait), why)
			l.wmu.Lock()
			l.beat(now)
			l.wmu.Unlock()
		}
		l.wmu.Lock()
		l.drain()
		l.wmu.Unlock()
		if l.mustTick() {
			timer.Reset(writeTick(l.a.o))
		} else {
			timer.Stop()
		}
	}
}

// mustTick reports whether the write loop must look at the clock: a TCP
// link writes heartbeats, and a queue holds frames that may expire. A
// datagram link with nothing queued sleeps until a frame is queued (which
// wakes it): a bus of 250 has 62,000 such links, and each waking once a
// minute woke every agent four times a second.
func (l *link) mustTick() bool {
	l.mu.Lock()
	queued := len(l.q) > 0
	l.mu.Unlock()
	return l.kind == kindTCP || queued
}

// writeTick is how often a link's write loop looks at the clock: often
// enough to write heartbeats on time, and to drop a frame that waited too
// long within a quarter of its wait (so 3.75s at most by default, well
// inside DefaultSendTimeout).
func writeTick(o options) time.Duration {
	return max(min(time.Second, o.heartbeat, o.queueWait/4), 10*time.Millisecond)
}
