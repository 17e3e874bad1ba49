package orchestrator_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/flock"
	"github.com/topo-dev/topo/orchestrator"
)

// Plan creates nothing, and Apply creates exactly what it planned.
func TestPlanThenApply(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	// A network another program made takes the first block of the pool.
	if _, err := f.CreateNetwork(ctx, engine.NetworkSpec{Name: "other", Subnet: netip.MustParsePrefix("10.210.0.0/24")}); err != nil {
		t.Fatal(err)
	}
	d, err := o.Plan(ctx, load(t, "../topologies/ring.yaml"), orchestrator.PlanOptions{Name: "r"})
	if err != nil {
		t.Fatal(err)
	}
	if c, n := f.counts(); c != 0 || n != 1 {
		t.Fatalf("after plan: %d containers, %d networks; want nothing new", c, n)
	}
	if d.Plan.Name != "r" || d.Plan.Segments[0].Subnet.Overlaps(netip.MustParsePrefix("10.210.0.0/24")) {
		t.Fatalf("plan does not steer around the engine's subnets: %s", d)
	}
	res, err := o.Apply(ctx, d, orchestrator.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Plan != d.Plan {
		t.Error("Apply reports another plan than the one it was given")
	}
	nets, _ := f.ListNetworks(ctx, map[string]string{engine.LabelTopology: "r"})
	for _, n := range nets {
		s, ok := d.Plan.Segment(n.Labels[engine.LabelSegment])
		if !ok || n.Subnets[0] != s.Subnet {
			t.Errorf("network %s has %v, the plan says %v", n.Name, n.Subnets, s)
		}
	}
}

// A plan whose subnet another network took after planning is planned
// again under the network lock, where nothing else takes one: Apply makes
// no network on a taken subnet and reports the plan it applied. A
// deployment that cannot plan again (not made by Plan) is refused before
// anything is created.
func TestApplyPlansAStalePlanAgain(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	d, err := o.Plan(ctx, load(t, "../topologies/star.yaml"), orchestrator.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	late := d.Plan.Segments[1].Subnet
	if _, err := f.CreateNetwork(ctx, engine.NetworkSpec{Name: "late", Subnet: late}); err != nil {
		t.Fatal(err)
	}
	byHand := &orchestrator.Deployment{Plan: d.Plan, File: d.File, Hash: d.Hash}
	if _, err := o.Apply(ctx, byHand, orchestrator.ApplyOptions{}); !errors.Is(err, engine.ErrOverlap) {
		t.Fatalf("apply of a stale plan made by hand: %v, want ErrOverlap", err)
	}
	if c, n := f.counts(); c != 0 || n != 1 {
		t.Fatalf("a stale plan created %d containers and %d networks", c, n-1)
	}
	res, err := o.Apply(ctx, d, orchestrator.ApplyOptions{})
	if err != nil {
		t.Fatalf("apply of a stale plan: %v, want it planned again", err)
	}
	if res.Plan == d.Plan {
		t.Fatal("Apply reports the stale plan")
	}
	nets, _ := f.ListNetworks(ctx, map[string]string{engine.LabelTopology: d.Plan.Name})
	if len(nets) != len(res.Plan.Segments) {
		t.Fatalf("%d networks for %d segments", len(nets), len(res.Plan.Segments))
	}
	for _, n := range nets {
		if n.Subnets[0].Overlaps(late) {
			t.Errorf("network %s made on the taken subnet %s", n.Name, late)
		}
		if s, ok := res.Plan.Segment(n.Labels[engine.LabelSegment]); !ok || s.Subnet != n.Subnets[0] {
			t.Errorf("network %s has %v, the applied plan says %v", n.Name, n.Subnets, s)
		}
	}
}

// The plan read back from the engine is the plan that was applied, but for
// what no container keeps: the pool and the env of users' images.
func TestAppliedPlanReadsBackTheAppliedPlan(t *testing.T) {
	for _, file := range []string{"../topologies/star.yaml", "../topologies/ring.yaml", "../topologies/bus.yaml",
		"../topologies/custom.yaml", "../internal/compose/testdata/own-image.yaml"} {
		t.Run(file, func(t *testing.T) {
			f := newFake()
			f.images["registry.example:5000/probe:v$1"] = true
			o := fakeOrchestrator(f)
			ctx := context.Background()
			res, err := o.Up(ctx, load(t, file), orchestrator.UpOptions{Name: "back"})
			if err != nil {
				t.Fatal(err)
			}
			got, err := o.AppliedPlan(ctx, "back")
			if err != nil {
				t.Fatal(err)
			}
			want := *res.Plan
			want.Pool = netip.Prefix{}
			want.Nodes = append(want.Nodes[:0:0], want.Nodes...)
			for i := range want.Nodes {
				want.Nodes[i].Env = nil
			}
			if g, w := mustJSON(t, got), mustJSON(t, &want); g != w {
				t.Errorf("read back:\n%s\napplied:\n%s", g, w)
			}
		})
	}
	if _, err := fakeOrchestrator(newFake()).AppliedPlan(context.Background(), "none"); !errors.Is(err, orchestrator.ErrNoTopology) {
		t.Errorf("plan of nothing: %v, want ErrNoTopology", err)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// An up that waits for another's network lock says so, then goes on.
func TestUpReportsAWaitForTheNetworkLock(t *testing.T) {
	unlock, err := flock.Exclusive(context.Background(), "topo-networks.lock")
	if err != nil {
		t.Fatal(err)
	}
	waiting := make(chan orchestrator.Progress, 1)
	f := newFake()
	o := orchestrator.New(f,
		orchestrator.WithNodeImage(func(context.Context) (string, error) { return "topo-node:fake", nil }),
		orchestrator.WithProgress(func(p orchestrator.Progress) {
			if p.Status == "waiting" {
				waiting <- p
			}
		}))
	done := make(chan error, 1)
	go func() {
		_, err := o.Up(context.Background(), load(t, "../topologies/star.yaml"), orchestrator.UpOptions{})
		done <- err
	}()
	select {
	case p := <-waiting:
		if p.Phase != orchestrator.PhaseNetworks || !strings.HasSuffix(p.Resource, "topo-networks.lock") {
			t.Errorf("waiting event %+v", p)
		}
	case err := <-done:
		t.Fatalf("up went on while the lock was held: %v", err)
	}
	unlock()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A second up of a name while the first is under way is told so at once,
// and is not told that the first one's networks are leftovers.
func TestSecondUpWhileTheFirstIsUnderWay(t *testing.T) {
	unlock, err := flock.Exclusive(context.Background(), "topo-up-star.lock") // as the first up holds it
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	f := newFake()
	if _, err := f.CreateNetwork(context.Background(), engine.NetworkSpec{Name: "star-hub-spoke1", Subnet: netip.MustParsePrefix("10.210.0.0/29"),
		Labels: map[string]string{engine.LabelTopology: "star"}}); err != nil {
		t.Fatal(err)
	}
	_, err = fakeOrchestrator(f).Up(context.Background(), load(t, "../topologies/star.yaml"), orchestrator.UpOptions{})
	if !errors.Is(err, orchestrator.ErrAlreadyRunning) || !strings.Contains(err.Error(), "under way") || strings.Contains(err.Error(), "without nodes") {
		t.Errorf("up while another is under way: %v", err)
	}
	if c, n := f.counts(); c != 0 || n != 1 {
		t.Errorf("the second up changed things: %d containers, %d networks", c, n)
	}
}

// While up waits for its nodes, it says which are not ready yet, and for
// how long it has waited.
func TestUpSaysWhatItWaitsFor(t *testing.T) {
	old := *orchestrator.ReadyEvery
	*orchestrator.ReadyEvery = 20 * time.Millisecond
	defer func() { *orchestrator.ReadyEvery = old }()
	f := newFake()
	f.readyDelay = 150 * time.Millisecond
	f.downLinks = []string{"hub"}
	var mu sync.Mutex
	var waits []orchestrator.Progress
	o := orchestrator.New(f,
		orchestrator.WithNodeImage(func(context.Context) (string, error) { return "topo-node:fake", nil }),
		orchestrator.WithProgress(func(p orchestrator.Progress) {
			if p.Status == "waiting" && p.Phase == orchestrator.PhaseReady {
				mu.Lock()
				waits = append(waits, p)
				mu.Unlock()
			}
		}))
	if _, err := o.Up(context.Background(), load(t, "../topologies/star.yaml"), orchestrator.UpOptions{MaxWorkers: 2}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(waits) == 0 {
		t.Fatal("up never said what it waited for")
	}
	first := waits[0]
	if len(first.Waiting) == 0 || first.Total != 5 || first.Done+len(first.Waiting) != 5 || first.Elapsed <= 0 {
		t.Errorf("first wait report: %+v", first)
	}
	// It also says, for a few of them, which links are still down.
	if n := first.Waiting[0]; len(first.LinksDown[n]) != 1 || first.LinksDown[n][0] != "hub" {
		t.Errorf("links down in the first wait report: %v, want %s's link to hub", first.LinksDown, n)
	}
}
