package orchestrator_test

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	topo "github.com/topo-dev/topo"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

func load(t *testing.T, file string) *topology.Topology {
	t.Helper()
	top, err := topology.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	return top
}

// up brings a topology up under a unique name and removes it in cleanup,
// registered before anything can fail.
func up(t *testing.T, o *orchestrator.Orchestrator, top *topology.Topology, base string) *orchestrator.UpResult {
	t.Helper()
	name := livetest.Name(t, base)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := o.Down(ctx, name, orchestrator.DownOptions{}); err != nil {
			t.Errorf("down %s: %v", name, err)
		}
		if left := livetest.Leftovers(t, o, name); len(left) > 0 {
			t.Errorf("down %s left %v", name, left)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := o.Up(ctx, top, orchestrator.UpOptions{Name: name})
	if err != nil {
		t.Fatalf("up %s: %v", name, err)
	}
	return res
}

// TestIntegrationUpTwiceIsNoop checks that up on a running topology changes
// nothing, and that another file under the same name is refused.
func TestIntegrationUpTwiceIsNoop(t *testing.T) {
	t.Parallel()
	o := livetest.Engine(t)
	top := load(t, "../topologies/bus.yaml")
	res := up(t, o, top, "twice")
	ctx := context.Background()
	before := livetest.Leftovers(t, o, res.Name)

	again, err := o.Up(ctx, top, orchestrator.UpOptions{Name: res.Name})
	if err != nil || !again.AlreadyRunning {
		t.Fatalf("second up: %+v, %v; want AlreadyRunning", again, err)
	}
	if after := livetest.Leftovers(t, o, res.Name); !slices.Equal(before, after) {
		t.Errorf("second up changed resources: %v → %v", before, after)
	}

	other := load(t, "../topologies/ring.yaml")
	_, err = o.Up(ctx, other, orchestrator.UpOptions{Name: res.Name})
	if !errors.Is(err, orchestrator.ErrAlreadyRunning) {
		t.Fatalf("up of another file under the same name: %v, want ErrAlreadyRunning", err)
	}
	if !strings.Contains(err.Error(), "topo down") {
		t.Errorf("error does not say what to do: %v", err)
	}
}

// TestIntegrationRefusals checks the errors users hit: each says what to
// do and creates nothing.
func TestIntegrationRefusals(t *testing.T) {
	t.Parallel()
	o := livetest.Engine(t)
	ctx := context.Background()

	t.Run("user image missing", func(t *testing.T) {
		top := parse(t, `layout: star
nodes: [hub, {name: s1, image: "topo-test-missing:never"}]
`)
		name := livetest.Name(t, "img")
		_, err := o.Up(ctx, top, orchestrator.UpOptions{Name: name})
		if err == nil || !strings.Contains(err.Error(), "topo-test-missing:never") || !strings.Contains(err.Error(), "never pulls") {
			t.Fatalf("up = %v, want a missing-image error", err)
		}
		if left := livetest.Leftovers(t, o, name); len(left) > 0 {
			t.Errorf("refused up left %v", left)
		}
	})

	t.Run("pool overlaps an existing network", func(t *testing.T) {
		// Hold a network of our own on a subnet, then ask for a pool over it.
		blocker := livetest.Name(t, "blk")
		free := freeBlock(t, o)
		_, err := o.Runtime().CreateNetwork(ctx, engine.NetworkSpec{
			Name: blocker, Subnet: free, Labels: map[string]string{engine.LabelTopology: blocker},
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _, _ = o.Down(context.Background(), blocker, orchestrator.DownOptions{}) })
		top := parse(t, "layout: bus\nnodes: 3\nnetwork: {pool: "+free.String()+"}\n")
		name := livetest.Name(t, "ovl")
		_, err = o.Up(ctx, top, orchestrator.UpOptions{Name: name})
		if err == nil || !strings.Contains(err.Error(), "pool") {
			t.Fatalf("up = %v, want an overlap error naming the pool", err)
		}
		if left := livetest.Leftovers(t, o, name); len(left) > 0 {
			t.Errorf("refused up left %v", left)
		}
	})

	t.Run("container name taken", func(t *testing.T) {
		name := livetest.Name(t, "taken")
		top := parse(t, "layout: p2p\nnodes: 2\n")
		image, err := o.NodeImage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// A container topo did not label, holding the name of a node.
		spec := engine.ContainerSpec{Name: engine.ContainerName(name, "peer1"), Image: image}
		orchestrator.Harden(&spec)
		id, err := o.Runtime().CreateContainer(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = o.Runtime().RemoveContainer(context.Background(), id) })
		_, err = o.Up(ctx, top, orchestrator.UpOptions{Name: name})
		if err == nil || !strings.Contains(err.Error(), "is taken") {
			t.Fatalf("up = %v, want a name-taken error", err)
		}
		if left := livetest.Leftovers(t, o, name); len(left) > 0 {
			t.Errorf("refused up left %v", left)
		}
	})
}

// TestIntegrationCancelRollsBack cancels up midway and checks that nothing
// is left behind.
func TestIntegrationCancelRollsBack(t *testing.T) {
	t.Parallel()
	o := livetest.Engine(t)
	top := load(t, "../topologies/ring.yaml")
	name := livetest.Name(t, "cancel")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o2, closeFn, err := topo.Open(ctx, topo.Options{Progress: func(e orchestrator.Progress) {
		if e.Phase == orchestrator.PhaseContainers && e.Resource != "" {
			cancel() // midway: some containers exist, others do not
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	_, err = o2.Up(ctx, top, orchestrator.UpOptions{Name: name})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("up = %v, want context.Canceled", err)
	}
	if left := livetest.Leftovers(t, o, name); len(left) > 0 {
		t.Errorf("cancelled up left %v", left)
	}
}

// freeBlock finds a /24 in 10.212.0.0/16 that no network uses.
func freeBlock(t *testing.T, o *orchestrator.Orchestrator) netip.Prefix {
	t.Helper()
	nets, err := o.Runtime().ListNetworks(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 256 {
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 212, byte(i), 0}), 24)
		if !slices.ContainsFunc(nets, func(n engine.NetworkInfo) bool {
			return slices.ContainsFunc(n.Subnets, p.Overlaps)
		}) {
			return p
		}
	}
	t.Fatal("no free /24 in 10.212.0.0/16")
	return netip.Prefix{}
}

func parse(t *testing.T, src string) *topology.Topology {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "t.yaml")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return load(t, file)
}

// TestIntegrationUserImage runs a node from "a user's own image" (here the
// agent's image under another tag, started by its command) and checks that
// it is wired and configured like the others: messages reach it.
func TestIntegrationUserImage(t *testing.T) {
	t.Parallel()
	o := livetest.Engine(t)
	ctx := context.Background()
	image, err := o.NodeImage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	top := parse(t, "layout: star\nnodes:\n  - hub\n  - spoke1\n  - {name: mine, image: \""+image+"\", command: [run], env: {TOPO_NODE_LOG_LEVEL: debug}}\n")
	res := up(t, o, top, "user")
	st, err := o.Status(ctx, res.Name, orchestrator.StatusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := st.Nodes[2]; n.Name != "mine" || n.State != "running" || !n.Ready {
		t.Errorf("user node status: %+v", n)
	}
	r, err := o.Send(ctx, res.Name, orchestrator.SendOptions{From: "spoke1", To: "mine", Text: "to your own image", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// A node that runs its own image takes no frames from topo's agents,
	// even when, as here, that image holds the agent (issue 11).
	if r.Delivered || r.Reason != "no_agent" {
		t.Errorf("send to the user's node: %+v, want dropped as no_agent", r)
	}
	if _, err := o.Send(ctx, res.Name, orchestrator.SendOptions{From: "mine", To: "spoke1", Text: "x", Timeout: time.Second}); err == nil || !strings.Contains(err.Error(), "own image") {
		t.Errorf("send from a user's node: %v, want an error saying it runs its own image", err)
	}
}
