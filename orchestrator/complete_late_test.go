package orchestrator_test

import (
	"context"
	"maps"
	"testing"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
)

// An up killed while the engine made a node leaves a container that the
// engine finishes after the next up looked and found the node missing:
// that up removes the never-started container and makes the node again,
// rather than fail on the name. A started container, or one of another
// topology, is never taken.
func TestCompletionTakesOverALateCreate(t *testing.T) {
	for _, tt := range []struct {
		name   string
		late   func(spec *engine.ContainerSpec) // how the container found under the name differs
		start  bool                             // the container found runs
		wantOK bool
	}{
		{name: "never started, of a killed up", late: func(*engine.ContainerSpec) {}, wantOK: true},
		{name: "running", late: func(*engine.ContainerSpec) {}, start: true},
		{name: "of another topology", late: func(s *engine.ContainerSpec) { s.Labels[engine.LabelTopology] = "other" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			o := fakeOrchestrator(f)
			ctx := context.Background()
			star := load(t, "../topologies/star.yaml")
			if _, err := o.Up(ctx, star, orchestrator.UpOptions{}); err != nil {
				t.Fatal(err)
			}
			rm(t, f, "star-spoke3")
			made := false
			f.failCreate = func(s engine.ContainerSpec) error {
				if s.Name != "star-spoke3" || made {
					return nil
				}
				made = true
				s.Labels = maps.Clone(s.Labels)
				s.Labels[engine.LabelRun] = "killed"
				tt.late(&s)
				id, err := f.CreateContainer(ctx, s)
				if err == nil && tt.start {
					err = f.StartContainer(ctx, id)
				}
				return err
			}
			res, err := o.Up(ctx, star, orchestrator.UpOptions{})
			if !made {
				t.Fatal("the completion never made spoke3")
			}
			if tt.wantOK != (err == nil) {
				t.Fatalf("up = %+v, %v; want it to succeed: %v", res, err, tt.wantOK)
			}
			c := f.containerNamed("star-spoke3")
			switch {
			case tt.wantOK && (c == nil || c.State != "running" || c.Labels[engine.LabelRun] == "killed"):
				t.Errorf("spoke3 after the completion: %+v; want this run's, running", c)
			case !tt.wantOK && c != nil && c.Labels[engine.LabelRun] != "killed":
				t.Errorf("the container found under the name was replaced: %+v", c)
			}
		})
	}
}

// A route helper that ran to success and stayed, as a compose project
// keeps it (exited 0), leaves its node ready and the topology complete; one
// that exited with an error, or never ran, leaves the node not ready.
func TestAFinishedRouteHelperIsNoLeftover(t *testing.T) {
	for _, tt := range []struct {
		state     string
		exit      int
		wantReady bool
	}{
		{state: "exited", exit: 0, wantReady: true},
		{state: "exited", exit: 1},
		{state: "created"},
	} {
		f := newFake()
		o := fakeOrchestrator(f)
		ctx := context.Background()
		star := load(t, "../topologies/star.yaml")
		if _, err := o.Up(ctx, star, orchestrator.UpOptions{}); err != nil {
			t.Fatal(err)
		}
		leaveHelper(t, f, "spoke1")
		h := f.containerNamed("star-spoke1-routes")
		h.State, h.ExitCode = tt.state, tt.exit
		st, err := o.Status(ctx, "star", orchestrator.StatusOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range st.Nodes {
			if n.Name == "spoke1" && n.Ready != tt.wantReady {
				t.Errorf("helper %s (exit %d): spoke1 ready %v, want %v (%s)", tt.state, tt.exit, n.Ready, tt.wantReady, n.Error)
			}
		}
		res, err := o.Up(ctx, star, orchestrator.UpOptions{})
		if err != nil || res.AlreadyRunning != tt.wantReady {
			t.Errorf("helper %s (exit %d): up again = %+v, %v; want nothing to do: %v", tt.state, tt.exit, res, err, tt.wantReady)
		}
	}
}
