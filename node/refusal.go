package node

import (
	"log/slog"
	"sync"
	"time"

	"github.com/topo-dev/topo/agent"
)

// refusedLogEvery keeps the lines about refused connections to one every
// so often, however fast they come.
const refusedLogEvery = time.Second

// refusalLog writes at most one line per refusedLogEvery about refusals of
// one kind. A line counts (in an attribute, refused or count) the refusals
// since the one before and names the last one's address; refusals that
// come too soon after a line are written by a timer when the interval is
// over, so that the lines add up to every refusal.
//
// It summarizes floods that a stranger can cause: refused and rejected
// connections, undecodable frames and frames without proof of the secret.
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

// newRejectLogs makes the summaries of the connections an accepting
// segment rejects: those that send no hello, and those whose hello names a
// node that is not a neighbour that dials this one. Each line says how
// many it stands for (count) and names the last (its address, error or
// name), so that a flood of them costs a line a second.
func (a *Agent) newRejectLogs() (noHello, stranger *refusalLog) {
	noHello = &refusalLog{emit: func(n int, remote, detail string) {
		a.event(slog.LevelWarn, agent.EvLink, "rejected connection without hello", addrAttr(remote),
			slog.String(agent.FieldError, detail), slog.Int("count", n))
	}}
	stranger = &refusalLog{emit: func(n int, remote, name string) {
		a.event(slog.LevelWarn, agent.EvLink, "rejected connection from "+name+": not a neighbour that dials",
			peerAttr(name), addrAttr(remote), slog.Int("count", n))
	}}
	return noHello, stranger
}
