package orchestrator_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/topo-dev/topo/orchestrator"
)

// TestResolveStartedHere: with several topologies running and no -t, the
// one brought up from a file in the current directory is picked, or else
// the one from a file below it, when exactly one was; otherwise the choice
// stays the user's.
func TestResolveStartedHere(t *testing.T) {
	root := t.TempDir()
	write := func(rel, src string) string {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	here := write("lab/here.yaml", "name: here\nlayout: star\nnodes: 3\n")
	below := write("lab/sub/below.yaml", "name: below\nlayout: star\nnodes: 3\n")
	away := write("away/away.yaml", "name: away\nlayout: star\nnodes: 3\n")

	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	upFrom := func(file, name string) {
		t.Helper()
		if _, err := o.Up(ctx, load(t, file), orchestrator.UpOptions{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	const (
		inDir    = "its file is in this directory"
		belowDir = "its file is below this directory"
	)
	resolveIn := func(dir string) (string, string, error) {
		t.Helper()
		t.Chdir(filepath.Join(root, dir))
		name, err := o.Resolve(ctx, "")
		wname, why, werr := o.ResolveWhy(ctx, "")
		if name != wname || (err == nil) != (werr == nil) {
			t.Errorf("in %s/: Resolve %q, %v; ResolveWhy %q, %v", dir, name, err, wname, werr)
		}
		return name, why, err
	}
	// A pick of one of several says why, for the user to hear of it.
	check := func(step, dir, want, wantWhy string) {
		t.Helper()
		got, why, err := resolveIn(dir)
		switch {
		case want == "" && !errors.Is(err, orchestrator.ErrAmbiguous):
			t.Errorf("%s, in %s/: %q, %v; want ErrAmbiguous", step, dir, got, err)
		case want != "" && (err != nil || got != want || why != wantWhy):
			t.Errorf("%s, in %s/: %q (%q), %v; want %s (%q)", step, dir, got, why, err, want, wantWhy)
		}
	}

	upFrom(away, "")
	if got, why, err := resolveIn("lab"); got != "away" || why != "" || err != nil {
		t.Errorf("the only one running: %q (%q), %v; want away, no choice to explain", got, why, err)
	}
	upFrom(below, "")
	check("away and below", "lab", "below", belowDir) // the one from below lab/
	check("away and below", "lab/sub", "below", inDir)
	check("away and below", "away", "away", inDir)
	check("away and below", ".", "", "") // both below: which one?
	check("away and below", "lab/sub/..", "below", belowDir)

	upFrom(here, "")
	check("with here", "lab", "here", inDir) // lab/'s own file comes before the one below
	check("with here", "lab/sub", "below", inDir)
	check("with here", "away", "away", inDir)

	upFrom(here, "here2") // two from lab/here.yaml
	check("here twice", "lab", "", "")
	check("here twice", "lab/sub", "below", inDir)
}

// TestNodes lists a running topology's nodes from the labels, in plan
// order, telling topo's agents from a user's own image.
func TestNodes(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	top := parse(t, "name: mixed\nlayout: star\nnodes:\n  - hub\n  - {name: app, image: \"mine:1\"}\n  - spoke\n")
	if _, err := o.Up(ctx, top, orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	ns, err := o.Nodes(ctx, "mixed")
	if err != nil {
		t.Fatal(err)
	}
	want := []orchestrator.NodeRef{{Name: "hub", Agent: true, State: "running"}, {Name: "app", State: "running"}, {Name: "spoke", Agent: true, State: "running"}}
	if len(ns) != len(want) {
		t.Fatalf("Nodes: %+v, want %+v", ns, want)
	}
	for i := range want {
		if ns[i] != want[i] {
			t.Errorf("Nodes[%d] = %+v, want %+v", i, ns[i], want[i])
		}
	}
	if _, err := o.Nodes(ctx, "nope"); !errors.Is(err, orchestrator.ErrNoTopology) {
		t.Errorf("Nodes of a topology that does not run: %v", err)
	}
}
