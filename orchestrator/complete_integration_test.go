package orchestrator_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/orchestrator"
)

// TestIntegrationUpCompletes removes a spoke behind topo's back, as
// `docker rm -f` does: status names it missing, up makes it again with the
// topology's key and routes, and leaves the nodes that ran alone.
func TestIntegrationUpCompletes(t *testing.T) {
	t.Parallel()
	o := livetest.Engine(t)
	top := parse(t, "layout: star\nnodes: 4\ntraffic: {interval: 0}\n")
	res := up(t, o, top, "complete")
	name := res.Name
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	before := nodeIDs(ctx, t, o, name)
	if err := o.Runtime().RemoveContainer(ctx, engine.ContainerName(name, "spoke2")); err != nil {
		t.Fatal(err)
	}

	st, err := o.Status(ctx, name, orchestrator.StatusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(st.Nodes, func(n orchestrator.NodeStatus) bool { return n.Name == "spoke2" })
	if len(st.Nodes) != 4 || i < 0 || st.Nodes[i].State != orchestrator.StateMissing || st.Nodes[i].Ready {
		t.Fatalf("status after docker rm: %+v", st.Nodes)
	}

	again, err := o.Up(ctx, top, orchestrator.UpOptions{Name: name})
	if err != nil || again.AlreadyRunning || !slices.Equal(again.Completed, []string{"+ node spoke2"}) {
		t.Fatalf("up again: %+v, %v; want + node spoke2", again, err)
	}
	after := nodeIDs(ctx, t, o, name)
	for _, n := range []string{"hub", "spoke1", "spoke3"} {
		if after[n] != before[n] {
			t.Errorf("%s was made again (%s, was %s), though it ran as planned", n, after[n], before[n])
		}
	}
	if after["spoke2"] == "" || after["spoke2"] == before["spoke2"] {
		t.Errorf("spoke2: %q, was %q", after["spoke2"], before["spoke2"])
	}
	// Through the hub, which must take the new spoke's hello: it has the
	// topology's key.
	r, err := o.Send(ctx, name, orchestrator.SendOptions{From: "spoke1", To: "spoke2", Text: "back again"})
	if err != nil || !r.Delivered || !slices.Equal(r.Path, []string{"spoke1", "hub", "spoke2"}) {
		t.Errorf("send spoke1 -> spoke2: %+v, %v", r, err)
	}
}

// nodeIDs are a topology's running containers' IDs, by node.
func nodeIDs(ctx context.Context, t *testing.T, o *orchestrator.Orchestrator, name string) map[string]string {
	t.Helper()
	cs, err := o.Runtime().ListContainers(ctx, map[string]string{engine.LabelTopology: name})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, c := range cs {
		if c.State == "running" {
			out[c.Labels[engine.LabelNode]] = c.ID
		}
	}
	return out
}
