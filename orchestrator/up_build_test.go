package orchestrator_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
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
	var once sync.Once // nodes are created side by side: close it once
	var overlapped bool
	f.failCreate = func(engine.ContainerSpec) error {
		once.Do(func() { close(created) })
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

// A node on many networks (a star's hub) makes up create every network
// before any container, so that the hub starts among the first nodes and
// joins its networks while the spokes start.
func TestUpMakesEveryNetworkFirstForAHub(t *testing.T) {
	f := newFake()
	file := filepath.Join(t.TempDir(), "star.yaml")
	if err := os.WriteFile(file, []byte("name: bigstar\nlayout: star\nnodes: 12\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var early []string
	f.failCreate = func(s engine.ContainerSpec) error {
		if _, n := f.counts(); n < 11 {
			mu.Lock()
			early = append(early, s.Name)
			mu.Unlock()
		}
		return nil
	}
	if _, err := fakeOrchestrator(f).Up(context.Background(), load(t, file), orchestrator.UpOptions{MaxWorkers: 1}); err != nil {
		t.Fatalf("up = %v", err)
	}
	if len(early) > 0 {
		t.Errorf("created %v before the hub's last network", early)
	}
}
