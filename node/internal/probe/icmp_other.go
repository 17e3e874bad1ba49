//go:build !linux

package probe

import (
	"context"
	"errors"

	"github.com/topo-dev/topo/agent"
)

// tryICMP needs Linux's ping sockets; nodes run Linux.
func tryICMP(context.Context, agent.ProbeTarget) error {
	return errors.New("icmp: probes run on Linux only")
}
