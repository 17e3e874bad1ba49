package node

import (
	"context"
	"sync"
)

// group runs the agent's goroutines: the first to fail cancels the rest,
// and wait returns that first error. It is errgroup's WithContext, Go and
// Wait, kept here so that the agent builds from the standard library
// alone: topo compiles it from the source embedded in its own binary, with
// no module download.
type group struct {
	wg     sync.WaitGroup
	cancel context.CancelFunc
	once   sync.Once
	err    error
}

// newGroup returns a group and a context that ends when one of its
// functions fails or ctx ends.
func newGroup(ctx context.Context) (*group, context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	return &group{cancel: cancel}, ctx
}

// Go runs f in a goroutine of its own.
func (g *group) Go(f func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := f(); err != nil {
			g.once.Do(func() {
				g.err = err
				g.cancel()
			})
		}
	}()
}

// Wait waits for every function and returns the first error.
func (g *group) Wait() error {
	g.wg.Wait()
	g.cancel()
	return g.err
}
