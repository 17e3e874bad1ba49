package evlog

import (
	"sync"
	"time"
)

// SummaryEvery keeps the lines of a Summary to one every so often,
// however fast what they summarize comes.
const SummaryEvery = time.Second

// Summary writes at most one line per SummaryEvery about refusals of one
// kind, through Emit. A line counts (in an attribute, refused or count) the refusals
// since the one before and names the last one's address; refusals that
// come too soon after a line are written by a timer when the interval is
// over, so that the lines add up to every refusal.
//
// It summarizes floods that a stranger can cause: refused and rejected
// connections, undecodable frames and frames without proof of the secret.
type Summary struct {
	Emit func(n int, remote, detail string)

	mu      sync.Mutex
	n       int       // refused since the last line
	remote  string    // the latest of them
	detail  string    // what was wrong with the latest
	logged  time.Time // when the last line was written
	pending bool      // a timer will write the line
}

// Add counts one refusal, from remote, with what was wrong with it.
func (r *Summary) Add(remote, detail string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	r.remote, r.detail = remote, detail
	if since := time.Since(r.logged); since >= SummaryEvery {
		r.writeLocked()
	} else if !r.pending {
		r.pending = true
		time.AfterFunc(SummaryEvery-since, r.Flush)
	}
}

// Flush writes what is not written yet.
func (r *Summary) Flush() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending = false
	if r.n > 0 {
		r.writeLocked()
	}
}

func (r *Summary) writeLocked() {
	r.Emit(r.n, r.remote, r.detail)
	r.n, r.logged = 0, time.Now()
}
