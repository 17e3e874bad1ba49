package orchestrator

import (
	"context"
	"slices"
	"sync"
	"time"
)

// readyEvery is how often up says which nodes it still waits for.
var readyEvery = 5 * time.Second

// readyWatch reports, while up waits for its nodes, which are not ready
// yet and for how long it has waited, so that a long wait never goes
// silent.
type readyWatch struct {
	mu      sync.Mutex
	pending []string
	stopped chan struct{}
	once    sync.Once
}

// watchReady starts reporting on nodes until stop.
func (u *upRun) watchReady(ctx context.Context, nodes []string) *readyWatch {
	w := &readyWatch{pending: slices.Clone(nodes), stopped: make(chan struct{})}
	start := time.Now()
	go func() {
		tick := time.NewTicker(readyEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-w.stopped:
				return
			case <-tick.C:
				w.mu.Lock()
				waiting := slices.Clone(w.pending)
				w.mu.Unlock()
				if len(waiting) > 0 {
					u.o.emit(Progress{Topology: u.name, Phase: PhaseReady, Status: "waiting", Waiting: waiting,
						Done: len(nodes) - len(waiting), Total: len(nodes), Elapsed: time.Since(start)})
				}
			}
		}
	}()
	return w
}

// done takes a node off the list.
func (w *readyWatch) done(node string) {
	w.mu.Lock()
	w.pending = slices.DeleteFunc(w.pending, func(n string) bool { return n == node })
	w.mu.Unlock()
}

// stop ends the reports.
func (w *readyWatch) stop() { w.once.Do(func() { close(w.stopped) }) }
