package docker

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/topo-dev/topo/engine"
)

// ConnectNetwork attaches a container to a network at addr.
func (c *Client) ConnectNetwork(ctx context.Context, network, container string, addr netip.Addr) error {
	ctx, cancel := c.call(ctx)
	defer cancel()
	err := c.api.NetworkConnect(ctx, network, container, endpoint(addr))
	return wrap(fmt.Sprintf("connect container %q to network %q at %s", container, network, addr), err)
}

// DisconnectNetwork detaches a container from a network.
func (c *Client) DisconnectNetwork(ctx context.Context, network, container string) error {
	ctx, cancel := c.call(ctx)
	defer cancel()
	err := c.api.NetworkDisconnect(ctx, network, container, true)
	return wrap(fmt.Sprintf("disconnect container %q from network %q", container, network), err)
}

// ConnectNetwork is not supported on a swarm: a service's task gets its
// networks when it is made, and changing them makes another task.
func (s *Swarm) ConnectNetwork(_ context.Context, network, container string, _ netip.Addr) error {
	return fmt.Errorf("connect %s to %s: a swarm service's networks are fixed: %w", container, network, engine.ErrUnsupported)
}

// DisconnectNetwork is not supported on a swarm (see ConnectNetwork).
func (s *Swarm) DisconnectNetwork(_ context.Context, network, container string) error {
	return fmt.Errorf("disconnect %s from %s: a swarm service's networks are fixed: %w", container, network, engine.ErrUnsupported)
}
