package orchestrator_test

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/topo-dev/topo/engine"
)

// ConnectNetwork attaches a container to a network, as Docker does.
func (f *fakeRuntime) ConnectNetwork(_ context.Context, network, container string, addr netip.Addr) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.hasNetwork(network) {
		return fmt.Errorf("network %s: %w", network, engine.ErrNotFound)
	}
	c := f.byNameOrID(container)
	if c == nil {
		return fmt.Errorf("container %s: %w", container, engine.ErrNotFound)
	}
	if _, ok := c.Networks[network]; ok {
		return fmt.Errorf("container %s is on %s already: %w", container, network, engine.ErrConflict)
	}
	if !addr.IsValid() {
		addr = f.pickAddr(network)
	}
	c.Networks[network] = addr
	b := addr.As4()
	c.MACs[network] = fmt.Sprintf("02:42:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3])
	f.steps = append(f.steps, "connect "+c.Labels[engine.LabelNode]+" "+network)
	return nil
}

// DisconnectNetwork detaches a container from a network.
func (f *fakeRuntime) DisconnectNetwork(_ context.Context, network, container string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.byNameOrID(container)
	if c == nil || !f.hasNetwork(network) {
		return engine.ErrNotFound
	}
	delete(c.Networks, network)
	delete(c.MACs, network)
	f.steps = append(f.steps, "disconnect "+c.Labels[engine.LabelNode]+" "+network)
	return nil
}

// byNameOrID finds a container; f.mu is held.
func (f *fakeRuntime) byNameOrID(ref string) *engine.ContainerInfo {
	if c, ok := f.containers[ref]; ok {
		return c
	}
	for _, c := range f.containers {
		if c.Name == ref {
			return c
		}
	}
	return nil
}
