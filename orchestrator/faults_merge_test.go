package orchestrator_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
)

// faultStrings are the faults in force, as people read them.
func faultStrings(fs []orchestrator.Fault) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.String())
	}
	return out
}

// TestImpairMerges: a second impair of a link adds to the first instead of
// replacing it; 0 lifts one setting; --replace replaces; a link with no
// impairment of its own starts from that of every link; what is in force
// is returned after each call.
func TestImpairMerges(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	if _, err := o.Up(ctx, load(t, "../topologies/star.yaml"), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	hs := func(o orchestrator.ImpairOptions) orchestrator.ImpairOptions { o.A, o.B = "hub", "spoke1"; return o }
	steps := []struct {
		opts    orchestrator.ImpairOptions
		want    []string
		wantErr string
	}{
		{opts: hs(orchestrator.ImpairOptions{LossPercent: 50}), want: []string{"link hub–spoke1 impaired: loss=50%"}},
		{opts: hs(orchestrator.ImpairOptions{Delay: 100 * time.Millisecond}), want: []string{"link hub–spoke1 impaired: delay=100ms loss=50%"}},
		{opts: hs(orchestrator.ImpairOptions{Jitter: 10 * time.Millisecond, Rate: 1e6}),
			want: []string{"link hub–spoke1 impaired: delay=100ms jitter=10ms loss=50% rate=1000000bit/s"}},
		{opts: hs(orchestrator.ImpairOptions{Lift: []string{"loss", "rate"}}), want: []string{"link hub–spoke1 impaired: delay=100ms jitter=10ms"}},
		{opts: hs(orchestrator.ImpairOptions{Delay: 5 * time.Millisecond}), wantErr: "jitter 10ms would be more than the delay 5ms"},
		{opts: hs(orchestrator.ImpairOptions{LossPercent: 0.5, Replace: true}), want: []string{"link hub–spoke1 impaired: loss=0.5%"}},
		{opts: hs(orchestrator.ImpairOptions{Lift: []string{"loss"}}), want: nil},
		{opts: orchestrator.ImpairOptions{All: true, LossPercent: 20}, want: []string{"every link impaired: loss=20%"}},
		{opts: orchestrator.ImpairOptions{A: "hub", B: "spoke2", Delay: time.Second},
			want: []string{"every link impaired: loss=20%", "link hub–spoke2 impaired: delay=1s loss=20%"}},
		{opts: orchestrator.ImpairOptions{All: true, Rate: 8000},
			want: []string{"every link impaired: loss=20% rate=8000bit/s", "link hub–spoke2 impaired: delay=1s loss=20%"}},
	}
	for i, s := range steps {
		fs, err := o.Impair(ctx, "star", s.opts)
		if s.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), s.wantErr) || !errors.Is(err, orchestrator.ErrBadFault) {
				t.Errorf("step %d %+v: error %v, want %q (a bad fault)", i, s.opts, err, s.wantErr)
			}
			continue
		}
		if err != nil || strings.Join(faultStrings(fs), "; ") != strings.Join(s.want, "; ") {
			t.Errorf("step %d %+v: faults %q, %v; want %q", i, s.opts, faultStrings(fs), err, s.want)
		}
	}
	// A fraction of a percent reaches the packet filter as such.
	mark := len(f.helpers)
	if _, err := o.Impair(ctx, "star", hs(orchestrator.ImpairOptions{LossPercent: 0.5, Replace: true})); err != nil {
		t.Fatal(err)
	}
	if got := filterHelpers(f, mark)["spoke1"]; !strings.HasPrefix(got, "10.210.0.3,02:42:0a:d2:00:02,0.5,7000") {
		t.Errorf("spoke1's filter for a 0.5%% loss: %q", got)
	}
}

// TestNodeFaultsListed: a node topo stopped, killed or paused is a fault
// in force, with what made it and when; one stopped behind topo's back is
// listed too; unpausing a node that is not paused says so in topo's words.
func TestNodeFaultsListed(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	if _, err := o.Up(ctx, load(t, "../topologies/star.yaml"), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	before := time.Now().Add(-time.Second)
	for _, act := range []struct {
		a     engine.Action
		nodes []string
	}{{engine.ActionKill, []string{"spoke2"}}, {engine.ActionPause, []string{"spoke3"}}} {
		if err := o.NodeAction(ctx, "star", orchestrator.NodeActionOptions{Action: act.a, Nodes: act.nodes}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.ControlContainer(ctx, containerID(t, f, "star-spoke4"), engine.ActionStop); err != nil {
		t.Fatal(err)
	}
	fs, err := o.Faults(ctx, "star")
	if err != nil || len(fs) != 3 {
		t.Fatalf("faults: %q, %v; want three nodes", faultStrings(fs), err)
	}
	want := []struct{ node, state, action, by, text string }{
		{"spoke2", "exited", "kill", "topo", "node spoke2 killed by topo at "},
		{"spoke3", "paused", "pause", "topo", "node spoke3 paused by topo at "},
		{"spoke4", "exited", "", "", "node spoke4 stopped, not by topo (docker, or the node itself)"},
	}
	for i, w := range want {
		g := fs[i]
		if g.Kind != orchestrator.FaultNode || g.Node != w.node || g.State != w.state || g.Action != w.action || g.By != w.by ||
			!strings.HasPrefix(g.String(), w.text) || (w.action != "") != g.At.After(before) {
			t.Errorf("fault %d: %+v (%q); want %+v", i, g, g, w)
		}
	}
	if js, _ := json.Marshal(fs[0]); !strings.Contains(string(js), `"kind":"node","node":"spoke2","state":"exited","action":"kill","by":"topo","at":"`) {
		t.Errorf("json: %s", js)
	}
	err = o.NodeAction(ctx, "star", orchestrator.NodeActionOptions{Action: engine.ActionUnpause, Nodes: []string{"spoke1"}})
	if !errors.Is(err, orchestrator.ErrNodeState) || err.Error() != "node unpause: node spoke1 is not paused (it is running)" {
		t.Errorf("unpause of a running node: %v", err)
	}
	// Starting and unpausing lifts the faults, and their markers go.
	if err := o.ClearFaults(ctx, "star"); err != nil {
		t.Fatal(err)
	}
	if fs, err := o.Faults(ctx, "star"); err != nil || len(fs) != 0 {
		t.Errorf("faults after faults clear: %q, %v", faultStrings(fs), err)
	}
	if ms, _ := f.ListContainers(ctx, map[string]string{engine.LabelHelper: "star", engine.LabelFault: ""}); len(ms) != 0 {
		t.Errorf("markers left after faults clear: %d", len(ms))
	}
}

func containerID(t *testing.T, f *fakeRuntime, name string) string {
	t.Helper()
	c, err := f.ContainerByName(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// TestPartitionSplits: a partition whose group cannot reach itself (two
// spokes without their hub) says so, naming the node that would join it.
func TestPartitionSplits(t *testing.T) {
	tests := []struct {
		file   string
		groups [][]string
		want   []string
	}{
		{"star.yaml", [][]string{{"hub", "spoke1", "spoke2"}}, []string{
			"group spoke3,spoke4: spoke3 cannot reach spoke4: they connect only through hub, in another group"}},
		{"star.yaml", [][]string{{"hub", "spoke1", "spoke2", "spoke3"}}, nil},
		{"star.yaml", [][]string{{"spoke1", "spoke2"}},
			[]string{"group spoke1,spoke2: spoke1 cannot reach spoke2: they connect only through hub, in another group"}},
		{"star.yaml", [][]string{{"hub"}, {"spoke1", "spoke2"}}, []string{
			"group spoke1,spoke2: spoke1 cannot reach spoke2: they connect only through hub, in another group",
			"group spoke3,spoke4: spoke3 cannot reach spoke4: they connect only through hub, in another group"}},
		{"ring.yaml", [][]string{{"node1", "node3"}}, []string{
			"group node1,node3: node1 cannot reach node3: they connect only through node2, in another group",
			"group node2,node4,node5: node2 cannot reach node4,node5: they connect only through node1, in another group"}},
		{"ring.yaml", [][]string{{"node1", "node2", "node3"}}, nil},
		{"bus.yaml", [][]string{{"alpha", "charlie"}}, nil},
	}
	for _, tc := range tests {
		f := newFake()
		o := fakeOrchestrator(f)
		ctx := context.Background()
		top := load(t, "../topologies/"+tc.file)
		if _, err := o.Up(ctx, top, orchestrator.UpOptions{}); err != nil {
			t.Fatal(err)
		}
		fs, err := o.Partition(ctx, top.Name, tc.groups)
		if err != nil || len(fs) != 1 {
			t.Fatalf("%s %v: %v, %v", tc.file, tc.groups, fs, err)
		}
		if strings.Join(fs[0].Split, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s %v: split\n%s\nwant\n%s", tc.file, tc.groups, strings.Join(fs[0].Split, "\n"), strings.Join(tc.want, "\n"))
		}
	}
}

// TestImpairShapes: a rate holds for every process, by a tbf on each
// interface whose links all have one (a point-to-point link's own, or
// every link's on a shared segment); lifting it removes the tbf.
func TestImpairShapes(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	o := fakeOrchestrator(f)
	if _, err := o.Up(ctx, load(t, "../topologies/star.yaml"), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		opts orchestrator.ImpairOptions
		want map[string]string // filter helper arguments, by node
	}{
		{orchestrator.ImpairOptions{A: "hub", B: "spoke1", Rate: 1e6},
			map[string]string{"hub": "shape:10.210.0.2,1000000", "spoke1": "shape:10.210.0.3,1000000"}},
		{orchestrator.ImpairOptions{A: "hub", B: "spoke1", Delay: time.Millisecond}, map[string]string{}},
		{orchestrator.ImpairOptions{A: "hub", B: "spoke1", Lift: []string{"rate"}},
			map[string]string{"hub": "shape:10.210.0.2,0", "spoke1": "shape:10.210.0.3,0"}},
		{orchestrator.ImpairOptions{All: true, Rate: 8000}, map[string]string{
			"hub":    "shape:10.210.0.10,8000 shape:10.210.0.18,8000 shape:10.210.0.26,8000",
			"spoke2": "shape:10.210.0.11,8000", "spoke3": "shape:10.210.0.19,8000", "spoke4": "shape:10.210.0.27,8000"}},
	}
	for i, s := range steps {
		mark := len(f.helpers)
		if _, err := o.Impair(ctx, "star", s.opts); err != nil {
			t.Fatal(err)
		}
		if got := filterHelpers(f, mark); len(got) != len(s.want) {
			t.Errorf("step %d %+v: filter helpers %q, want %q", i, s.opts, got, s.want)
		} else {
			for n, w := range s.want {
				if got[n] != w {
					t.Errorf("step %d %+v: %s's filter helper %q, want %q", i, s.opts, n, got[n], w)
				}
			}
		}
	}

	// On a shared segment one link's rate is the agents' alone; every
	// link's is the node's.
	f = newFake()
	o = fakeOrchestrator(f)
	if _, err := o.Up(ctx, load(t, "../topologies/bus.yaml"), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	mark := len(f.helpers)
	if _, err := o.Impair(ctx, "bus", orchestrator.ImpairOptions{A: "alpha", B: "bravo", Rate: 1e6}); err != nil {
		t.Fatal(err)
	}
	if got := filterHelpers(f, mark); len(got) != 0 {
		t.Errorf("one link's rate on a bus: filter helpers %q, want none", got)
	}
	if _, err := o.Impair(ctx, "bus", orchestrator.ImpairOptions{All: true, Rate: 2e6}); err != nil {
		t.Fatal(err)
	}
	// alpha–bravo keeps its own 1mbit: alpha and bravo send at the slower.
	got := filterHelpers(f, mark)
	if !strings.HasSuffix(got["alpha"], ",1000000") || !strings.HasSuffix(got["charlie"], ",2000000") || len(got) != 4 {
		t.Errorf("every link's rate on a bus: filter helpers %q", got)
	}
}
