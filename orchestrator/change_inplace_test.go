package orchestrator_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
)

const impairedStar = `name: st
layout: star
nodes: 3
link: {delay: 5ms}
`

// An impairment changed in the file is changed in place: no container is
// made again, each agent on a changed link is told the file's new
// impairment, the plan read back says it, a fault on the link still
// replaces it and gives it back when lifted, a node started afresh is
// told it again, and an up of the same file again is the no-op. Changed
// back, the agents are told to apply their config's again.
func TestUpChangesImpairmentsInPlace(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	e := newEdit(t)
	if _, err := o.Up(ctx, e.to(impairedStar), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	before := ids(f)
	changed := e.to(strings.Replace(impairedStar, "5ms", "20ms", 1))
	want := []string{"~ link hub–spoke1 delay 5ms → 20ms", "~ link hub–spoke2 delay 5ms → 20ms"}
	if got := preview(t, o, changed); !slices.Equal(got.Lines(), want) || !got.Applies() {
		t.Fatalf("dry run: %q (applies %v, %s), want %q", got.Lines(), got.Applies(), got.Why(), want)
	}
	res, err := o.Up(ctx, changed, orchestrator.UpOptions{})
	if err != nil || !slices.Equal(res.Changed, want) {
		t.Fatalf("up of the changed file: %+v, %v", res, err)
	}
	if after := ids(f); !maps.Equal(before, withoutMarkers(after)) {
		t.Errorf("containers changed: %v → %v", before, after)
	}
	told := faultSteps(f)
	for _, w := range []string{`faults hub {"spoke1":{"impairment":{"delay":"20ms"}},"spoke2":{"impairment":{"delay":"20ms"}}}`,
		`faults spoke1 {"hub":{"impairment":{"delay":"20ms"}}}`, `faults spoke2 {"hub":{"impairment":{"delay":"20ms"}}}`} {
		if !slices.Contains(told, w) {
			t.Errorf("agents told %q, want %s", told, w)
		}
	}
	p, err := o.AppliedPlan(ctx, "st")
	if err != nil || p.Segments[0].Impairment.Delay != 20*time.Millisecond {
		t.Errorf("plan read back: %+v, %v; want a delay of 20ms", p, err)
	}
	if again, err := o.Up(ctx, changed, orchestrator.UpOptions{}); err != nil || !again.AlreadyRunning {
		t.Fatalf("up of the changed file again: %+v, %v; want the no-op", again, err)
	}

	f.steps = nil
	if _, err := o.Impair(ctx, "st", orchestrator.ImpairOptions{A: "hub", B: "spoke1", Delay: time.Second, Replace: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Impair(ctx, "st", orchestrator.ImpairOptions{A: "hub", B: "spoke1", Clear: true}); err != nil {
		t.Fatal(err)
	}
	if err := o.NodeAction(ctx, "st", orchestrator.NodeActionOptions{Action: engine.ActionRestart, Nodes: []string{"spoke2"}}); err != nil {
		t.Fatal(err)
	}
	told = faultSteps(f)
	for _, w := range []string{`faults hub {"spoke1":{"impairment":{"delay":"1s"}},"spoke2":{"impairment":{"delay":"20ms"}}}`,
		`faults hub {"spoke1":{"impairment":{"delay":"20ms"}},"spoke2":{"impairment":{"delay":"20ms"}}}`,
		`faults spoke2 {"hub":{"impairment":{"delay":"20ms"}}}`} {
		if !slices.Contains(told, w) {
			t.Errorf("agents told %q, want %s", told, w)
		}
	}

	f.steps = nil
	back := e.to(impairedStar)
	res, err = o.Up(ctx, back, orchestrator.UpOptions{})
	if err != nil || len(res.Changed) != 2 || !strings.Contains(res.Changed[0], "20ms → 5ms") {
		t.Fatalf("up of the file changed back: %+v, %v", res, err)
	}
	if told := faultSteps(f); !slices.Contains(told, "faults hub {}") {
		t.Errorf("agents told %q, want hub told of no impairment", told)
	}
	if _, ok := ids(f)["st--applied"]; ok {
		t.Errorf("the marker of what changed in place outlives a topology that runs as its labels say")
	}
	if again, err := o.Up(ctx, back, orchestrator.UpOptions{}); err != nil || !again.AlreadyRunning {
		t.Errorf("up again: %+v, %v; want the no-op", again, err)
	}
}

// A changed fault schedule is changed in place, and up says so to its
// caller, which starts the file's schedule again.
func TestUpChangesTheScheduleInPlace(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	e := newEdit(t)
	if _, err := o.Up(ctx, e.to(impairedStar), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	before := ids(f)
	changed := e.to(impairedStar + "faults:\n  - {at: 1h, link: [hub, spoke1], down: 5s}\n")
	res, err := o.Up(ctx, changed, orchestrator.UpOptions{})
	if err != nil || !slices.Equal(res.Changed, []string{"~ faults: the schedule changed"}) || !res.ScheduleChanged {
		t.Fatalf("up: %+v, %v", res, err)
	}
	if after := ids(f); !maps.Equal(before, withoutMarkers(after)) {
		t.Errorf("containers changed: %v → %v", before, after)
	}
	if again, err := o.Up(ctx, changed, orchestrator.UpOptions{}); err != nil || !again.AlreadyRunning {
		t.Errorf("up again: %+v, %v; want the no-op", again, err)
	}
	if _, err := o.Down(ctx, "st", orchestrator.DownOptions{}); err != nil {
		t.Fatal(err)
	}
	if left := ids(f); len(left) > 0 {
		t.Errorf("down left %v", left)
	}
}

// faultSteps are the faults commands the agents ran.
func faultSteps(f *fakeRuntime) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, s := range f.steps {
		if strings.HasPrefix(s, "faults ") {
			out = append(out, s)
		}
	}
	return out
}

// withoutMarkers is ids without the marker of what changed in place.
func withoutMarkers(ids map[string]string) map[string]string {
	out := maps.Clone(ids)
	for name := range out {
		if strings.HasSuffix(name, "--applied") {
			delete(out, name)
		}
	}
	return out
}

// Nodes made again after an impairment changed in place get the file's
// impairment in their config: nothing is left to tell them, the marker
// goes once every resource says what it is, and the plan read back keeps
// the new impairment.
func TestUpRecreatesNodesAfterAnImpairmentChanged(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	e := newEdit(t)
	if _, err := o.Up(ctx, e.to(impairedStar), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	impaired := strings.Replace(impairedStar, "5ms", "20ms", 1)
	if _, err := o.Up(ctx, e.to(impaired), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, ok := ids(f)["st--applied"]; !ok {
		t.Fatal("no marker of what changed in place")
	}
	debug := e.to(impaired + "log: {level: debug}\n")
	res, err := o.Up(ctx, debug, orchestrator.UpOptions{})
	if err != nil || len(res.Changed) != 3 || res.Changed[0] != "! recreate node hub: log level changed (info → debug)" {
		t.Fatalf("up: %+v, %v", res, err)
	}
	if _, ok := ids(f)["st--applied"]; ok {
		t.Error("the marker outlives what it had to say: every node was made from the file")
	}
	if cfg := f.specs["st-hub"]; !strings.Contains(strings.Join(cfg.Env, " "), `"delay":"20ms"`) {
		t.Errorf("hub made again with %q, not the file's impairment", cfg.Env)
	}
	p, err := o.AppliedPlan(ctx, "st")
	if err != nil || p.Segments[0].Impairment.Delay != 20*time.Millisecond {
		t.Errorf("plan read back: %+v, %v; want a delay of 20ms", p, err)
	}
	if again, err := o.Up(ctx, debug, orchestrator.UpOptions{}); err != nil || !again.AlreadyRunning {
		t.Errorf("up again: %+v, %v; want the no-op", again, err)
	}
}

// Traffic turned off in the file is turned off in every agent that runs,
// without a restart; an agent started again, whose config still has an
// interval, is turned off again; the plan read back says 0; up again is
// the no-op.
func TestUpTurnsTrafficOffInPlace(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	e := newEdit(t)
	if _, err := o.Up(ctx, e.to(clientServer), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	before := ids(f)
	off := e.to(clientServer + "traffic: {interval: 0}\n")
	res, err := o.Up(ctx, off, orchestrator.UpOptions{})
	if err != nil || !slices.Equal(res.Changed, []string{"~ traffic interval 2s → 0"}) {
		t.Fatalf("up: %+v, %v", res, err)
	}
	if after := ids(f); !maps.Equal(before, withoutMarkers(after)) {
		t.Errorf("containers changed: %v → %v", before, after)
	}
	if got := trafficSteps(f); !slices.Equal(got, []string{"traffic client1 off", "traffic server off"}) {
		t.Errorf("agents told %q; want server and client1 off (web runs no agent)", got)
	}
	if p, err := o.AppliedPlan(ctx, "cs"); err != nil || p.Traffic.Interval != 0 {
		t.Errorf("plan read back: %+v, %v; want no traffic", p, err)
	}
	f.steps = nil
	if err := o.NodeAction(ctx, "cs", orchestrator.NodeActionOptions{Action: engine.ActionRestart, Nodes: []string{"client1", "web"}}); err != nil {
		t.Fatal(err)
	}
	if got := trafficSteps(f); !slices.Equal(got, []string{"traffic client1 off"}) {
		t.Errorf("after a restart, agents told %q; want client1 off", got)
	}
	if again, err := o.Up(ctx, off, orchestrator.UpOptions{}); err != nil || !again.AlreadyRunning {
		t.Errorf("up again: %+v, %v; want the no-op", again, err)
	}
}

// trafficSteps are the traffic commands the agents ran, sorted.
func trafficSteps(f *fakeRuntime) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, s := range f.steps {
		if strings.HasPrefix(s, "traffic ") {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}
