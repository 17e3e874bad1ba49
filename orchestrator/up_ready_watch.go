package orchestrator

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/topo-dev/topo/engine"
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
	every := readyEvery // read here: the goroutine may outlive up, and a test's change of it
	go func() {
		tick := time.NewTicker(every)
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
						Done: len(nodes) - len(waiting), Total: len(nodes), Elapsed: time.Since(start),
						LinksDown: u.linksDown(ctx, waiting)})
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

// linksShown is how many waiting nodes a report asks which links are down.
const linksShown = 3

// linksDown asks the first few waiting nodes' agents which of their links
// are down, briefly; a node that does not answer is left out.
func (u *upRun) linksDown(ctx context.Context, waiting []string) map[string][]string {
	out := map[string][]string{}
	for _, n := range waiting[:min(len(waiting), linksShown)] {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		st, err := u.o.agentStats(ctx, engine.ContainerName(u.name, n))
		cancel()
		if err != nil {
			continue
		}
		for _, nb := range st.Neighbors {
			if nb.State == "down" {
				out[n] = append(out[n], nb.Name)
			}
		}
	}
	return out
}
