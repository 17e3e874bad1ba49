package orchestrator_test

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// clientServer is a client-server topology with a node running a user's
// image (web), whose settings the tests change.
const clientServer = `name: cs
layout: client-server
nodes:
  - {name: server, role: server}
  - client1
  - {name: web, image: "mine:1", command: [sleep, "1000"]}
`

// edit is a topology file that a test writes, brings up, and rewrites.
type edit struct {
	t    *testing.T
	path string
}

func newEdit(t *testing.T) *edit { return &edit{t, filepath.Join(t.TempDir(), "cs.yaml")} }

// to writes src as the file, and loads it.
func (e *edit) to(src string) *topology.Topology {
	e.t.Helper()
	if err := os.WriteFile(e.path, []byte(src), 0o644); err != nil {
		e.t.Fatal(err)
	}
	return load(e.t, e.path)
}

// A change to one node's own settings recreates exactly that node: every
// other container keeps its ID, and an up of the same file again is the
// no-op. A dry run says the same beforehand and changes nothing.
func TestUpRecreatesAChangedNode(t *testing.T) {
	for _, tc := range []struct {
		name, from, to, want string
		unlabelled           bool // made by an older topo, without topo.spec labels
	}{
		{"command", `command: [sleep, "1000"]`, `command: [sleep, "2000"]`, "! recreate node web: command changed (sleep 1000 → sleep 2000)", false},
		{"image", `image: "mine:1"`, `image: "mine:2"`, "! recreate node web: image changed (mine:1 → mine:2)", false},
		{"capabilities", `command: [sleep, "1000"]}`, `command: [sleep, "1000"], capabilities: [NET_RAW]}`, "! recreate node web: privileges changed", false},
		{"command, older topo", `command: [sleep, "1000"]`, `command: [sleep, "2000"]`, "! recreate node web: command changed (sleep 1000 → sleep 2000)", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			f.images["mine:2"] = true
			o := fakeOrchestrator(f)
			ctx := context.Background()
			e := newEdit(t)
			if _, err := o.Up(ctx, e.to(clientServer), orchestrator.UpOptions{}); err != nil {
				t.Fatal(err)
			}
			if tc.unlabelled {
				stripSpecLabels(f)
			}
			changed := e.to(strings.Replace(clientServer, tc.from, tc.to, 1))
			before := ids(f)
			if got := preview(t, o, changed); !slices.Equal(got.Lines(), []string{tc.want}) || !got.Applies() {
				t.Errorf("dry run: %q (applies %v), want %q", got.Lines(), got.Applies(), tc.want)
			}
			if after := ids(f); !maps.Equal(before, after) {
				t.Fatalf("the dry run changed containers: %v → %v", before, after)
			}
			res, err := o.Up(ctx, changed, orchestrator.UpOptions{})
			if err != nil || !slices.Equal(res.Changed, []string{tc.want}) || len(res.Completed) != 0 {
				t.Fatalf("up of the changed file: %+v, %v", res, err)
			}
			after := ids(f)
			for name, id := range before {
				if kept := after[name] == id; kept == (name == "cs-web") {
					t.Errorf("%s: %s → %s; only cs-web is recreated", name, id, after[name])
				}
			}
			if spec := f.specs["cs-web"]; !strings.Contains(strings.Join(spec.Cmd, " ")+spec.Image+strings.Join(spec.CapAdd, ","), strings.Trim(lastWord(tc.to), `"]}`)) {
				t.Errorf("cs-web made from %+v, not the changed file", spec)
			}
			again, err := o.Up(ctx, changed, orchestrator.UpOptions{})
			if err != nil || !again.AlreadyRunning {
				t.Errorf("up of the changed file again: %+v, %v; want the no-op", again, err)
			}
		})
	}
}

func lastWord(s string) string { return s[strings.LastIndexAny(s, " [")+1:] }

// A change that can never be applied in place is refused with the difference and what to
// run, and touches nothing.
func TestUpRefusesAChangeItCannotApply(t *testing.T) {
	for _, tc := range []struct {
		name, from, to string
		want           []string // in the error, in order
	}{
		{"a client inserted", "  - client1\n", "  - client1\n  - client2\n",
			[]string{"+ node client2", "cannot be applied in place: node web's address on lan would move from 10.210.0.4 to 10.210.0.5"}},
		{"the layout", "layout: client-server\nnodes:\n  - {name: server, role: server}", "layout: star\nnodes:\n  - {name: server, role: hub}",
			[]string{"cannot be applied in place: the layout changed from client-server to star", "topo down cs && topo up "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			o := fakeOrchestrator(f)
			ctx := context.Background()
			e := newEdit(t)
			if _, err := o.Up(ctx, e.to(clientServer), orchestrator.UpOptions{}); err != nil {
				t.Fatal(err)
			}
			before, nets := ids(f), networkIDs(f)
			_, err := o.Up(ctx, e.to(strings.Replace(clientServer, tc.from, tc.to, 1)), orchestrator.UpOptions{})
			var ce *orchestrator.ChangeError
			if !errors.As(err, &ce) || !errors.Is(err, orchestrator.ErrAlreadyRunning) {
				t.Fatalf("up of the changed file: %v; want a ChangeError", err)
			}
			msg, at := err.Error(), 0
			for _, w := range tc.want {
				i := strings.Index(msg[at:], w)
				if i < 0 {
					t.Fatalf("the error lacks %q after byte %d:\n%s", w, at, msg)
				}
				at += i + len(w)
			}
			if !maps.Equal(before, ids(f)) || !maps.Equal(nets, networkIDs(f)) {
				t.Errorf("a refused change touched the topology")
			}
		})
	}
}

// A node under a fault (stopped, or a fault in force on one of its links)
// is not recreated: recreating it would end the fault, or leave its
// filters behind with the old container.
func TestUpDoesNotRecreateAFaultedNode(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault func(ctx context.Context, o *orchestrator.Orchestrator) error
		want  string
	}{
		{"a link down", func(ctx context.Context, o *orchestrator.Orchestrator) error {
			_, err := o.Link(ctx, "cs", orchestrator.LinkOptions{A: "server", B: "web", Down: true})
			return err
		}, "topo faults clear -t cs"},
		{"stopped", func(ctx context.Context, o *orchestrator.Orchestrator) error {
			return o.NodeAction(ctx, "cs", orchestrator.NodeActionOptions{Action: engine.ActionStop, Nodes: []string{"web"}})
		}, "topo node start -t cs web"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			o := fakeOrchestrator(f)
			ctx := context.Background()
			e := newEdit(t)
			if _, err := o.Up(ctx, e.to(clientServer), orchestrator.UpOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := tc.fault(ctx, o); err != nil {
				t.Fatal(err)
			}
			before := ids(f)
			_, err := o.Up(ctx, e.to(strings.Replace(clientServer, `"1000"`, `"2000"`, 1)), orchestrator.UpOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("up: %v; want a refusal that says %q", err, tc.want)
			}
			if !maps.Equal(before, ids(f)) {
				t.Errorf("a refused change touched the topology")
			}
		})
	}
}

// A change in what an older topo's containers do not show (a user's env)
// is refused, saying why, rather than taken for no change.
func TestUpOfAnOlderTopologyRefusesWhatItCannotSee(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	e := newEdit(t)
	if _, err := o.Up(ctx, e.to(clientServer), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	stripSpecLabels(f)
	_, err := o.Up(ctx, e.to(strings.Replace(clientServer, "  - client1\n", "  - {name: client1, env: {TZ: UTC}}\n", 1)), orchestrator.UpOptions{})
	if !errors.Is(err, orchestrator.ErrAlreadyRunning) || !strings.Contains(err.Error(), "older topo") {
		t.Fatalf("up: %v; want a refusal that names the older topo", err)
	}
}

func preview(t *testing.T, o *orchestrator.Orchestrator, top *topology.Topology) *orchestrator.Change {
	t.Helper()
	d, err := o.Plan(context.Background(), top, orchestrator.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := o.Preview(context.Background(), d)
	if err != nil || c == nil {
		t.Fatalf("preview: %+v, %v", c, err)
	}
	return c
}

// stripSpecLabels makes what runs look as an older topo made it.
func stripSpecLabels(f *fakeRuntime) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.containers {
		delete(c.Labels, engine.LabelSpec)
	}
	for _, n := range f.networks {
		delete(n.Labels, engine.LabelSpec)
	}
}

func networkIDs(f *fakeRuntime) map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]string{}
	for id, n := range f.networks {
		out[n.Name] = id
	}
	return out
}
