package orchestrator_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
)

// TestUpCreatesANodeOnceItsNetworksExist holds back the creation of a
// ring's last network until a container has been created: up must create
// the nodes whose networks exist meanwhile, and no node before its own
// networks (the fake refuses a container on a missing network).
func TestUpCreatesANodeOnceItsNetworksExist(t *testing.T) {
	f := newFake()
	created := make(chan struct{})
	var overlapped bool
	f.failCreate = func(engine.ContainerSpec) error {
		select {
		case <-created:
		default:
			close(created)
		}
		return nil
	}
	f.failNetwork = func(s engine.NetworkSpec) error {
		if !strings.HasSuffix(s.Name, "node5-node1") {
			return nil
		}
		select {
		case <-created:
			overlapped = true
		case <-time.After(5 * time.Second):
		}
		return nil
	}
	if _, err := fakeOrchestrator(f).Up(context.Background(), load(t, "../topologies/ring.yaml"), orchestrator.UpOptions{}); err != nil {
		t.Fatalf("up = %v", err)
	}
	if !overlapped {
		t.Error("no container was created before the last network: phase after phase")
	}
	if c, n := f.counts(); c != 5 || n != 5 {
		t.Errorf("%d containers, %d networks, want 5 and 5", c, n)
	}
}

// TestUpWithOneWorkerStillFinishes: networks and containers share the
// workers, and a node waiting for its networks must not hold one.
func TestUpWithOneWorkerStillFinishes(t *testing.T) {
	for _, file := range []string{"../topologies/ring.yaml", "../topologies/star.yaml", "../topologies/bus.yaml"} {
		t.Run(file, func(t *testing.T) {
			f := newFake()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := fakeOrchestrator(f).Up(ctx, load(t, file), orchestrator.UpOptions{MaxWorkers: 1}); err != nil {
				t.Fatalf("up = %v", err)
			}
		})
	}
}
