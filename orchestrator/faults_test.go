package orchestrator_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
)

// filterHelpers returns the filter commands helpers ran since from, by node.
func filterHelpers(f *fakeRuntime, from int) map[string]string {
	out := map[string]string{}
	for _, h := range f.helpers[from:] {
		if len(h.Cmd) > 1 && h.Cmd[1] == "filter" {
			out[h.Labels[engine.LabelNode]] = strings.Join(h.Cmd[2:], " ")
		}
	}
	return out
}

func TestLinkDownAndUp(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	if _, err := o.Up(ctx, load(t, "../topologies/star.yaml"), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	mark, stepMark := len(f.helpers), len(f.steps)
	fs, err := o.Link(ctx, "star", orchestrator.LinkOptions{A: "spoke2", B: "hub", Down: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].String() != "link hub–spoke2 down" {
		t.Errorf("faults after link down: %v", fs)
	}
	got := filterHelpers(f, mark)
	hub, spoke := f.specs["star-hub"], f.specs["star-spoke2"]
	hubAddr, spokeAddr := addrOn(hub, "star-hub-spoke2"), addrOn(spoke, "star-hub-spoke2")
	if len(got) != 2 || !strings.HasPrefix(got["hub"], hubAddr+",02:42:") || !strings.HasSuffix(got["hub"], ",100") ||
		!strings.HasPrefix(got["spoke2"], spokeAddr+",02:42:") {
		t.Errorf("filters after link down: %v", got)
	}
	if listed, _ := o.Faults(ctx, "star"); len(listed) != 1 {
		t.Errorf("faults kept: %v", listed)
	}
	// The agents hear of the cut before the filters make it, and of its
	// end after the filters are gone.
	wantSteps(t, f.steps[stepMark:], `faults hub {"spoke2":{"cut":"link_down"}}`, "filter hub")
	wantSteps(t, f.steps[stepMark:], `faults spoke2 {"hub":{"cut":"link_down"}}`, "filter spoke2")
	stepMark = len(f.steps)
	mark = len(f.helpers)
	if fs, err := o.Link(ctx, "star", orchestrator.LinkOptions{A: "hub", B: "spoke2"}); err != nil || len(fs) != 0 {
		t.Fatalf("link up: %v, %v", fs, err)
	}
	if got := filterHelpers(f, mark); len(got) != 2 || got["hub"] != "" || got["spoke2"] != "" {
		t.Errorf("filters after link up: %v", got)
	}
	wantSteps(t, f.steps[stepMark:], "filter hub", `faults hub {}`)
	for _, bad := range [][2]string{{"spoke1", "spoke2"}, {"hub", "nosuch"}} {
		_, err := o.Link(ctx, "star", orchestrator.LinkOptions{A: bad[0], B: bad[1], Down: true})
		if !errors.Is(err, orchestrator.ErrBadFault) || !strings.Contains(err.Error(), "hub spoke1") {
			t.Errorf("link %v: %v, want ErrBadFault listing the links", bad, err)
		}
	}
}

func TestPartitionAndHeal(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	if _, err := o.Up(ctx, load(t, "../topologies/bus.yaml"), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Link(ctx, "bus", orchestrator.LinkOptions{A: "alpha", B: "bravo", Down: true}); err != nil {
		t.Fatal(err)
	}
	mark := len(f.helpers)
	fs, err := o.Partition(ctx, "bus", [][]string{{"alpha", "bravo"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 2 || fs[1].String() != "partition alpha,bravo | charlie,delta" {
		t.Errorf("faults: %v", fs)
	}
	got := filterHelpers(f, mark)
	// alpha now also drops charlie's and delta's frames: one rule per peer
	// across, beside its cut link to bravo.
	if n := strings.Count(got["alpha"], ",100"); n != 1+len(fs[1].Groups[1]) {
		t.Errorf("alpha's filter %q: want its cut link and one rule per node across", got["alpha"])
	}
	if fs, err := o.Heal(ctx, "bus"); err != nil || len(fs) != 1 || fs[0].Kind != orchestrator.FaultLinkDown {
		t.Errorf("heal keeps the link that was down before: %v, %v", fs, err)
	}
}

func TestNodeRestartRewires(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	if _, err := o.Up(ctx, load(t, "../topologies/star.yaml"), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Link(ctx, "star", orchestrator.LinkOptions{A: "hub", B: "spoke1", Down: true}); err != nil {
		t.Fatal(err)
	}
	mark := len(f.helpers)
	if err := o.NodeAction(ctx, "star", orchestrator.NodeActionOptions{Action: engine.ActionRestart, Nodes: []string{"spoke1"}}); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, h := range f.helpers[mark:] {
		kinds = append(kinds, h.Labels[engine.LabelNode]+" "+h.Cmd[1])
	}
	if strings.Join(kinds, ",") != "spoke1 routes,spoke1 filter" || f.actions[len(f.actions)-1] != "restart star-spoke1" {
		t.Errorf("after a restart: helpers %v, actions %v", kinds, f.actions)
	}
	if err := o.ClearFaults(ctx, "star"); err != nil {
		t.Fatal(err)
	}
	if fs, _ := o.Faults(ctx, "star"); len(fs) != 0 {
		t.Errorf("faults after clear: %v", fs)
	}
}

func addrOn(c engine.ContainerSpec, network string) string {
	for _, a := range c.Network {
		if a.Network == network {
			return a.IP.String()
		}
	}
	return ""
}

// wantSteps checks that steps holds a step starting with each of want, in
// that order.
func wantSteps(t *testing.T, steps []string, want ...string) {
	t.Helper()
	i := 0
	for _, s := range steps {
		if i < len(want) && strings.HasPrefix(s, want[i]) {
			i++
		}
	}
	if i < len(want) {
		t.Errorf("steps %q: want %q in that order", steps, want)
	}
}

func TestImpair(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	if _, err := o.Up(ctx, load(t, "../topologies/star.yaml"), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	mark := len(f.steps)
	fs, err := o.Impair(ctx, "star", orchestrator.ImpairOptions{A: "hub", B: "spoke1", Delay: 100 * time.Millisecond, Jitter: 10 * time.Millisecond})
	if err != nil || len(fs) != 1 || fs[0].String() != "link hub–spoke1 impaired: delay=100ms jitter=10ms" {
		t.Fatalf("impair: %v, %v", fs, err)
	}
	wantSteps(t, f.steps[mark:], `faults hub {"spoke1":{"impairment":{"delay":"100ms","jitter":"10ms"}}}`)
	if got := filterHelpers(f, 0); len(got) != 0 {
		t.Errorf("a delay needs no packet filter: %v", got)
	}

	mark = len(f.helpers)
	if _, err := o.Impair(ctx, "star", orchestrator.ImpairOptions{All: true, LossPercent: 20}); err != nil {
		t.Fatal(err)
	}
	got := filterHelpers(f, mark)
	// The hub–spoke1 link keeps its own impairment, a delay: no filter.
	if !strings.HasSuffix(got["spoke2"], ",20,7000") || strings.Count(got["hub"], ",20,7000") != 3 {
		t.Errorf("filters of 20%% loss on every link but hub–spoke1, keeping the agents' port: %v", got)
	}
	st := f.steps[len(f.steps)-10:]
	wantSteps(t, st, `faults spoke2 {"hub":{"impairment":{"loss":0.2}}}`)
	if fs, _ := o.Faults(ctx, "star"); len(fs) != 2 || fs[0].String() != "every link impaired: loss=20%" {
		t.Errorf("faults: %v", fs)
	}
	for _, bad := range []orchestrator.ImpairOptions{{A: "hub", B: "spoke1"}, {A: "hub", B: "spoke1", LossPercent: 100},
		{A: "hub", B: "spoke1", Delay: time.Millisecond, Jitter: time.Second}} {
		if _, err := o.Impair(ctx, "star", bad); err == nil {
			t.Errorf("impair %+v: no error", bad)
		}
	}
	if _, err := o.Impair(ctx, "star", orchestrator.ImpairOptions{All: true, Clear: true}); err != nil {
		t.Fatal(err)
	}
	if fs, _ := o.Faults(ctx, "star"); len(fs) != 1 {
		t.Errorf("faults after clearing every link's impairment: %v", fs)
	}
}

// TestNodeActionTellsNeighbours: the neighbours of a node that is killed
// hear it is down before it goes, and that it is back after it starts.
func TestNodeActionTellsNeighbours(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	if _, err := o.Up(ctx, load(t, "../topologies/star.yaml"), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	mark := len(f.steps)
	if err := o.NodeAction(ctx, "star", orchestrator.NodeActionOptions{Action: engine.ActionKill, Nodes: []string{"spoke2"}}); err != nil {
		t.Fatal(err)
	}
	if want := `faults hub {"spoke2":{"cut":"node_down"}}`; !slices.Contains(f.steps[mark:], want) || f.actions[len(f.actions)-1] != "kill star-spoke2" {
		t.Errorf("steps %q, actions %q: want %q, then the kill", f.steps[mark:], f.actions, want)
	}
	mark = len(f.steps)
	if err := o.NodeAction(ctx, "star", orchestrator.NodeActionOptions{Action: engine.ActionStart, Nodes: []string{"spoke2"}}); err != nil {
		t.Fatal(err)
	}
	wantSteps(t, f.steps[mark:], "routes spoke2", `faults hub {}`)
}
