package orchestrator

import (
	"context"

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
