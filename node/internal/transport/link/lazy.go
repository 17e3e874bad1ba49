package link

import (
	"time"

	"github.com/topo-dev/topo/agent"
)

// A datagram link's write loop runs only while frames wait in its queue:
// a frame for an idle link is written by the goroutine that routes it
// (put), and one that must wait (the link is down, or a write is under
// way) starts the loop, which ends when the queue is empty. A member of a
// bus of 250 has 249 links; a parked loop each cost it about 1 MB of
// stacks and timers, an eighth of its memory.

// ensureWriter starts the write loop of a datagram link whose queue holds
// frames, unless one runs or the link has stopped.
func (l *Link) ensureWriter() {
	l.mu.Lock()
	start := !l.writer && !l.stopped && len(l.q) > 0 && l.a.spawnCtx != nil
	if start {
		l.writer = true
	}
	l.mu.Unlock()
	if start {
		l.a.spawnCtx(l.writeLoop)
	}
}

// retire ends a datagram link's write loop when its queue is empty; the
// next frame that must wait starts another. Checked and cleared under
// l.mu, as put appends, so that no frame is left without a loop.
func (l *Link) retire() bool {
	if l.kind == TCP {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.q) > 0 {
		return false
	}
	l.writer = false
	return true
}

// stopIdleLinks stops, as the agent stops, the datagram links with no
// write loop (a running loop stops its own link): a frame queued from
// now on is dropped as stopped, and one queued in the instant before,
// whose loop could not start, is dropped too.
func (a *Env) stopIdleLinks() {
	for _, l := range a.allLinks() {
		if l.kind == TCP {
			continue
		}
		l.mu.Lock()
		idle := !l.writer
		if idle {
			l.stopped = true
		}
		l.mu.Unlock()
		if idle {
			l.expire(time.Time{}, agent.ReasonStopped)
		}
	}
}
