package orchestrator

import (
	"context"
	"fmt"

	"github.com/topo-dev/topo/internal/flock"
)

// lockNetworks serializes network creation among topo processes on this
// machine, so that an up sees the networks another made before it checks
// its plan's subnets. The engine serializes network creation anyway, so
// little is lost by waiting. A wait is reported as a "waiting" progress
// event. It returns the unlock func.
func (o *Orchestrator) lockNetworks(ctx context.Context, topology string) (func(), error) {
	return flock.ExclusiveNotify(ctx, "topo-networks.lock", func(path string) {
		o.emit(Progress{Topology: topology, Phase: PhaseNetworks, Status: "waiting", Resource: path})
	})
}

// claimUp marks an Apply of the named topology as under way on this
// machine, for as long as it runs, so that a second up of the name is told
// so at once, and not that the first one's networks are leftovers. It
// returns the release func.
func claimUp(name string) (func(), error) {
	l, err := flock.Open("topo-up-" + name + ".lock")
	if err != nil {
		return nil, err
	}
	ok, err := l.TryLock(false)
	if err != nil || !ok {
		_ = l.Close()
		if err == nil {
			err = fmt.Errorf("%w; wait for it, then see `topo status %s`", errConcurrentUp, name)
		}
		return nil, err
	}
	return func() { _ = l.Close() }, nil
}
