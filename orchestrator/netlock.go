package orchestrator

import (
	"context"

	"github.com/topo-dev/topo/internal/flock"
)

// lockNetworks serializes planning and network creation among topo
// processes on this machine. Two ups that plan at once would otherwise pick
// the same free subnets, and one of them would fail on the overlap. The
// engine serializes network creation anyway, so little is lost by waiting.
// It returns the unlock func.
func lockNetworks(ctx context.Context) (func(), error) {
	return flock.Exclusive(ctx, "topo-networks.lock")
}
