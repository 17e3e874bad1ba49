package orchestrator_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
)

const star4 = "name: st\nlayout: star\nnodes: [hub, spoke1, spoke2, spoke3, spoke4]\n"

// Nodes added to and removed from a running topology are added and
// removed in place: the dry run lists the operations in the order they
// run, up makes and removes exactly those containers and networks, every
// other container keeps its ID, the nodes that stay are attached to their
// new networks and told their new configs, up again is the no-op, and the
// plan read back is that of a fresh up of the new file.
func TestUpAddsAndRemovesNodesInPlace(t *testing.T) {
	for _, tc := range []struct {
		name, from, to string
		want           []string // the dry run's lines that must be there, in order
		steps          []string // of the engine's and agents' steps, in any order
		added, removed []string // containers
	}{
		{"a spoke added, another removed", star4, strings.Replace(star4, "spoke4]", "spoke5]", 1),
			[]string{"+ segment hub-spoke5 10.210.0.32/29", "+ node spoke5", "- node spoke4", "- segment hub-spoke4 10.210.0.24/29"},
			[]string{"connect hub st-hub-spoke5", "reconfig hub", "reconfig spoke1", "disconnect hub st-hub-spoke4"},
			[]string{"st-spoke5"}, []string{"st-spoke4"}},
		{"a node added to a bus", "name: b\nlayout: bus\nnodes: [a, b, c]\n", "name: b\nlayout: bus\nnodes: [a, b, c, d]\n",
			[]string{"+ node d", "~ segment bus members a,b,c → a,b,c,d"}, []string{"reconfig a", "reconfig b", "reconfig c"}, []string{"b-d"}, nil},
		{"a node removed from a bus", "name: b\nlayout: bus\nnodes: [a, b, c]\n", "name: b\nlayout: bus\nnodes: [a, b]\n",
			[]string{"~ segment bus members a,b,c → a,b", "- node c"}, []string{"reconfig a", "reconfig b", "reconfig b"}, nil, []string{"b-c"}},
		{"a client added to a LAN", clientServer, strings.Replace(clientServer, "  - client1\n", "  - client1\n  - client2\n", 1) + "",
			nil, nil, nil, nil},
		{"a user's node added", clientServer, clientServer + "  - {name: box, image: \"mine:1\"}\n",
			[]string{"+ node box", "~ segment lan members server,client1,web → server,client1,web,box"},
			[]string{"reconfig server", "reconfig client1", "reconfig server"}, []string{"cs-box"}, nil},
		{"a user's node removed", clientServer, strings.Replace(clientServer, "  - {name: web, image: \"mine:1\", command: [sleep, \"1000\"]}\n", "", 1),
			[]string{"- node web"}, []string{"reconfig server", "reconfig client1", "reconfig client1"}, nil, []string{"cs-web"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.want == nil {
				t.Skip("a client inserted before a user's node moves its address: refused (TestUpRefusesAChangeItCannotApply)")
			}
			f := newFake()
			o := fakeOrchestrator(f)
			ctx := context.Background()
			e := newEdit(t)
			if _, err := o.Up(ctx, e.to(tc.from), orchestrator.UpOptions{}); err != nil {
				t.Fatal(err)
			}
			before := ids(f)
			changed := e.to(tc.to)
			ch := preview(t, o, changed)
			if !ch.Applies() || !inOrder(ch.Lines(), tc.want) {
				t.Fatalf("dry run: %q (applies %v: %s), want %q in order", ch.Lines(), ch.Applies(), ch.Why(), tc.want)
			}
			f.steps = nil
			if _, err := o.Up(ctx, changed, orchestrator.UpOptions{}); err != nil {
				t.Fatalf("up of the changed file: %v", err)
			}
			for _, s := range tc.steps {
				if !slices.Contains(f.steps, s) {
					t.Errorf("steps %q lack %q", f.steps, s)
				}
			}
			after := ids(f)
			for name, id := range before {
				switch {
				case slices.Contains(tc.removed, name):
					if _, ok := after[name]; ok {
						t.Errorf("%s was not removed", name)
					}
				case strings.HasSuffix(name, "--applied"):
				case after[name] != id:
					t.Errorf("%s was recreated (%s → %s)", name, id, after[name])
				}
			}
			for _, name := range tc.added {
				if _, ok := after[name]; !ok {
					t.Errorf("%s was not made", name)
				}
			}
			res, err := o.Up(ctx, changed, orchestrator.UpOptions{})
			if err != nil || !res.AlreadyRunning {
				t.Fatalf("up again: %+v, %v; want the no-op", res, err)
			}
			if len(tc.steps) > 0 { // a node restarted is given back the config it took as it ran
				kept := strings.Fields(tc.steps[2])[1] // one that lost no network
				f.steps = nil
				if err := o.NodeAction(ctx, changed.Name, orchestrator.NodeActionOptions{Action: engine.ActionRestart, Nodes: []string{kept}}); err != nil {
					t.Fatal(err)
				}
				if !slices.Contains(f.steps, "reconfig "+kept) {
					t.Errorf("%s restarted: steps %q, want it given its config back", kept, f.steps)
				}
			}
			if len(tc.removed) == 0 || len(tc.added) == 0 { // else a new segment takes a fresh subnet where a fresh up reuses one
				sameAsFresh(t, o, changed.Name, tc.to)
			}
		})
	}
}

// sameAsFresh checks that the plan read back from topology name is the
// plan of a fresh up of src.
func sameAsFresh(t *testing.T, o *orchestrator.Orchestrator, name, src string) {
	t.Helper()
	got, err := o.AppliedPlan(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	f2 := newFake()
	o2 := fakeOrchestrator(f2)
	e := newEdit(t)
	if _, err := o2.Up(context.Background(), e.to(src), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	want, err := o2.AppliedPlan(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	got.File, want.File = "", ""
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("the plan read back differs from a fresh up's:\n got %s\nwant %s", g, w)
	}
}

// inOrder reports whether want are among lines, in that order.
func inOrder(lines, want []string) bool {
	at := 0
	for _, w := range want {
		i := slices.Index(lines[at:], w)
		if i < 0 {
			return false
		}
		at += i + 1
	}
	return true
}

// A node that stays but is stopped while a change is applied in place
// takes its new config when it starts again.
func TestUpInPlaceGivesAStoppedNodeItsConfigAtStart(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	e := newEdit(t)
	if _, err := o.Up(ctx, e.to(star4), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := o.NodeAction(ctx, "st", orchestrator.NodeActionOptions{Action: engine.ActionStop, Nodes: []string{"spoke1"}}); err != nil {
		t.Fatal(err)
	}
	f.steps = nil
	if _, err := o.Up(ctx, e.to(strings.Replace(star4, "spoke4]", "spoke4, spoke5]", 1)), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(f.steps, "reconfig spoke1") || !slices.Contains(f.steps, "reconfig spoke2") {
		t.Fatalf("steps %q: want spoke2 told its config, and spoke1, stopped, not", f.steps)
	}
	if err := o.NodeAction(ctx, "st", orchestrator.NodeActionOptions{Action: engine.ActionStart, Nodes: []string{"spoke1"}}); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(f.steps, "reconfig spoke1") {
		t.Errorf("spoke1 started: steps %q, want it given its new config", f.steps)
	}
}
