package node

import (
	"sync"
	"time"
)

// refusedLogEvery keeps the lines about refused connections to one every
// so often, however fast they come.
const refusedLogEvery = time.Second

// refusalLog writes at most one line per refusedLogEvery about refused
// connections. A line counts (in its refused attribute) the refusals since
// the one before and names the last one's address; refusals that come too
// soon after a line are written by a timer when the interval is over, so
// that the lines add up to every connection refused.
//
// It summarizes floods that a stranger can cause: refused connections and
// undecodable frames.
type refusalLog struct {
	emit func(n int, remote, detail string)

	mu      sync.Mutex
	n       int       // refused since the last line
	remote  string    // the latest of them
	detail  string    // what was wrong with the latest
	logged  time.Time // when the last line was written
	pending bool      // a timer will write the line
}

func (r *refusalLog) add(remote, detail string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	r.remote, r.detail = remote, detail
	if since := time.Since(r.logged); since >= refusedLogEvery {
		r.writeLocked()
	} else if !r.pending {
		r.pending = true
		time.AfterFunc(refusedLogEvery-since, r.flush)
	}
}

// flush writes what is not written yet.
func (r *refusalLog) flush() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending = false
	if r.n > 0 {
		r.writeLocked()
	}
}

func (r *refusalLog) writeLocked() {
	r.emit(r.n, r.remote, r.detail)
	r.n, r.logged = 0, time.Now()
}
