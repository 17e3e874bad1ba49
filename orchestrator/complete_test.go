package orchestrator_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// A second up of a running topology whose file chose its pool is the same
// no-op as one without: the topology's own subnets are not "in use" by
// someone else (issue 24.1).
func TestUpAgainWithAPool(t *testing.T) {
	for _, src := range []string{
		"name: p\nlayout: p2p\nnodes: 2\nnetwork: {pool: 10.233.0.0/16}\n",
		"name: p\nlayout: star\nnodes: 4\nnetwork: {pool: 10.233.0.0/24}\n",
		"name: p\nlayout: star\nnodes: 4\n",
	} {
		f := newFake()
		o := fakeOrchestrator(f)
		ctx := context.Background()
		top := loadText(t, src)
		if _, err := o.Up(ctx, top, orchestrator.UpOptions{}); err != nil {
			t.Fatal(err)
		}
		res, err := o.Up(ctx, top, orchestrator.UpOptions{})
		if err != nil || !res.AlreadyRunning {
			t.Errorf("%q: second up = %+v, %v; want the no-op", src, res, err)
		}
	}
}

// partial is a star of five as a broken up leaves it: what each case
// removes or leaves half made.
type partial struct {
	name   string
	breaks func(t *testing.T, f *fakeRuntime)
	want   []string // the completion's lines
	routed []string // nodes whose route helper runs again
}

func TestUpCompletesAPartialTopology(t *testing.T) {
	tests := []partial{
		{name: "a node removed behind topo's back", breaks: func(t *testing.T, f *fakeRuntime) {
			rm(t, f, "star-spoke2")
		}, want: []string{"+ node spoke2"}, routed: []string{"spoke2"}},
		{name: "up killed mid-way", breaks: func(t *testing.T, f *fakeRuntime) {
			rm(t, f, "star-spoke3")                           // never created
			f.containerNamed("star-spoke2").State = "created" // created, never started
			leaveHelper(t, f, "spoke1")                       // its route helper left in Created
		}, want: []string{"+ node spoke3", "> node spoke2 (started: an interrupted up had created it)",
			"~ routes of spoke1 (an interrupted up left them unfinished)"}, routed: []string{"spoke1", "spoke2", "spoke3"}},
		{name: "a network removed", breaks: func(t *testing.T, f *fakeRuntime) {
			rm(t, f, "star-spoke4")
			f.mu.Lock()
			for id, n := range f.networks {
				if n.Name == "star-hub-spoke4" {
					delete(f.networks, id)
				}
			}
			delete(f.containerNamed("star-hub").Networks, "star-hub-spoke4")
			f.mu.Unlock()
		}, want: []string{"+ network star-hub-spoke4", "+ node spoke4", "~ node hub (recreated: it had lost a network)"},
			routed: []string{"spoke4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			o := fakeOrchestrator(f)
			ctx := context.Background()
			star := load(t, "../topologies/star.yaml")
			if _, err := o.Up(ctx, star, orchestrator.UpOptions{}); err != nil {
				t.Fatal(err)
			}
			tt.breaks(t, f)
			before := ids(f)
			f.helpers = nil
			res, err := o.Up(ctx, star, orchestrator.UpOptions{})
			if err != nil || res.AlreadyRunning {
				t.Fatalf("up again: %+v, %v; want it completed", res, err)
			}
			if !slices.Equal(res.Completed, tt.want) {
				t.Errorf("completed:\n%s\nwant:\n%s", strings.Join(res.Completed, "\n"), strings.Join(tt.want, "\n"))
			}
			checkWhole(t, f, before, tt.want)
			var routed []string
			for _, h := range f.helpers {
				routed = append(routed, h.Labels[engine.LabelNode])
			}
			slices.Sort(routed)
			if !slices.Equal(routed, tt.routed) {
				t.Errorf("route helpers ran for %v, want %v", routed, tt.routed)
			}
			again, err := o.Up(ctx, star, orchestrator.UpOptions{})
			if err != nil || !again.AlreadyRunning {
				t.Errorf("a third up: %+v, %v; want the no-op", again, err)
			}
		})
	}
}

// checkWhole checks that every node of the star runs, with the key its
// first nodes got, that no route helper is left, and that a node the
// completion did not name kept its container.
func checkWhole(t *testing.T, f *fakeRuntime, before map[string]string, lines []string) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	secrets := map[string]bool{}
	nodes := 0
	for id, c := range f.containers {
		if c.Labels[engine.LabelHelper] != "" {
			t.Errorf("helper %s left", c.Name)
			continue
		}
		nodes++
		if c.State != "running" {
			t.Errorf("%s is %s", c.Name, c.State)
		}
		secrets[secretOf(t, c.Env)] = true
		node := c.Labels[engine.LabelNode]
		touched := slices.ContainsFunc(lines, func(l string) bool {
			return strings.Contains(l, "node "+node+" ") || strings.HasSuffix(l, "node "+node)
		})
		if !touched && before[c.Name] != id {
			t.Errorf("%s was made again, though nothing lacked", c.Name)
		}
	}
	for _, n := range f.networks {
		secrets["network "+n.Labels[engine.LabelSecret]] = true
	}
	if nodes != 5 || len(f.networks) != 4 || len(secrets) != 2 {
		t.Errorf("%d nodes, %d networks, %d keys (in configs, on networks); want 5, 4, 2", nodes, len(f.networks), len(secrets))
	}
}

func secretOf(t *testing.T, env []string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, agent.ConfigEnv+"="); ok {
			cfg, err := agent.ParseConfig([]byte(v))
			if err != nil {
				t.Fatal(err)
			}
			return cfg.Secret
		}
	}
	return ""
}

// ids are the containers' IDs by name.
func ids(f *fakeRuntime) map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]string{}
	for id, c := range f.containers {
		out[c.Name] = id
	}
	return out
}

func rm(t *testing.T, f *fakeRuntime, name string) {
	t.Helper()
	if err := f.RemoveContainer(context.Background(), name); err != nil {
		t.Fatal(err)
	}
}

// leaveHelper leaves a node's route helper created, as a `kill -9` of up
// leaves it.
func leaveHelper(t *testing.T, f *fakeRuntime, node string) {
	t.Helper()
	plan, err := fakeOrchestrator(f).AppliedPlan(context.Background(), "star")
	if err != nil {
		t.Fatal(err)
	}
	spec, ok := orchestrator.RouteHelper(plan, node, "topo-node:fake")
	if !ok {
		t.Fatalf("%s has no routes", node)
	}
	spec.Labels[engine.LabelRun] = "killed"
	if _, err := f.CreateContainer(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
}

// containerNamed is the fake's container of that name, to change in place.
func (f *fakeRuntime) containerNamed(name string) *engine.ContainerInfo {
	for _, c := range f.containers {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Status names every planned node: one without a container as missing,
// one whose route helper an interrupted up left as not ready; node start
// of a missing node says what happened and what to run.
func TestStatusShowsWhatIsMissing(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	if _, err := o.Up(ctx, load(t, "../topologies/star.yaml"), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	rm(t, f, "star-spoke2")
	leaveHelper(t, f, "spoke3")
	st, err := o.Status(ctx, "star", orchestrator.StatusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]orchestrator.NodeStatus{}
	for _, n := range st.Nodes {
		got[n.Name] = n
	}
	if len(st.Nodes) != 5 || got["spoke2"].State != orchestrator.StateMissing || got["spoke2"].Ready || !strings.Contains(got["spoke2"].Error, "topo up") {
		t.Errorf("spoke2 removed: %+v", st.Nodes)
	}
	if s3 := got["spoke3"]; s3.State != "running" || s3.Ready || !strings.Contains(s3.Error, "route helper") {
		t.Errorf("spoke3 with its route helper left: %+v", s3)
	}
	if !got["spoke1"].Ready || got["spoke1"].Error != "" {
		t.Errorf("spoke1: %+v", got["spoke1"])
	}
	err = o.NodeAction(ctx, "star", orchestrator.NodeActionOptions{Action: engine.ActionStart, Nodes: []string{"spoke2"}})
	if !errors.Is(err, orchestrator.ErrNoNode) || !strings.Contains(err.Error(), "node spoke2 is missing (removed outside topo); run `topo up ") {
		t.Errorf("node start of a removed node: %v", err)
	}
}

// A completion that fails removes what it made, and nothing that ran
// before it; down finds a route helper a killed up left.
func TestCompletionRollsBackOnlyItsOwn(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	star := load(t, "../topologies/star.yaml")
	if _, err := o.Up(ctx, star, orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	rm(t, f, "star-spoke2")
	rm(t, f, "star-spoke3")
	f.failCreate = func(s engine.ContainerSpec) error {
		if s.Name == "star-spoke3" {
			return errors.New("boom")
		}
		return nil
	}
	if _, err := o.Up(ctx, star, orchestrator.UpOptions{MaxWorkers: 1}); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("up = %v, want boom", err)
	}
	if c, n := f.counts(); c != 3 || n != 4 {
		t.Errorf("after the failed completion: %d containers, %d networks; want the 3 and 4 that ran", c, n)
	}
	f.failCreate = nil
	leaveHelper(t, f, "spoke1")
	if _, err := o.Down(ctx, "star", orchestrator.DownOptions{}); err != nil {
		t.Fatal(err)
	}
	if c, n := f.counts(); c != 0 || n != 0 {
		t.Errorf("down left %d containers, %d networks", c, n)
	}
}

// A topology that runs keeps its subnets when it is completed, even where
// a gap has opened below them since (another topology went down).
func TestCompletionKeepsTheRunningSubnets(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	other := loadText(t, "name: other\nlayout: star\nnodes: 3\n")
	star := load(t, "../topologies/star.yaml")
	for _, top := range []*topology.Topology{other, star} {
		if _, err := o.Up(ctx, top, orchestrator.UpOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	first, err := o.AppliedPlan(ctx, "star")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Down(ctx, "other", orchestrator.DownOptions{}); err != nil {
		t.Fatal(err)
	}
	rm(t, f, "star-spoke4")
	res, err := o.Up(ctx, star, orchestrator.UpOptions{})
	if err != nil || !slices.Equal(res.Completed, []string{"+ node spoke4"}) {
		t.Fatalf("up again: %+v, %v", res, err)
	}
	for i, s := range res.Plan.Segments {
		if s.Subnet != first.Segments[i].Subnet {
			t.Errorf("segment %s planned on %s, runs on %s", s.Name, s.Subnet, first.Segments[i].Subnet)
		}
	}
}

// A node disconnected from its network behind topo's back is not started
// into a namespace where its agent cannot reach anyone: node restart says
// which network it lacks and how to fix it, works again once it is back
// at its address, and up recreates the node.
func TestNodeOffItsNetwork(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	star := load(t, "../topologies/star.yaml")
	if _, err := o.Up(ctx, star, orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	restart := func() error {
		return o.NodeAction(ctx, "star", orchestrator.NodeActionOptions{Action: engine.ActionRestart, Nodes: []string{"spoke1"}})
	}
	f.mu.Lock()
	c := f.containerNamed("star-spoke1")
	addr := c.Networks["star-hub-spoke1"]
	delete(c.Networks, "star-hub-spoke1")
	f.mu.Unlock()
	err := restart()
	if err == nil || !strings.Contains(err.Error(), "node spoke1 is not on network star-hub-spoke1") || !strings.Contains(err.Error(), "docker network connect --ip") {
		t.Errorf("restart off its network: %v", err)
	}
	f.mu.Lock()
	c.Networks["star-hub-spoke1"] = addr.Next()
	f.mu.Unlock()
	if err := restart(); err == nil || !strings.Contains(err.Error(), "at "+addr.Next().String()+", not at "+addr.String()) {
		t.Errorf("restart at another address: %v", err)
	}
	f.mu.Lock()
	c.Networks["star-hub-spoke1"] = addr
	f.mu.Unlock()
	if err := restart(); err != nil {
		t.Errorf("restart once it is back: %v", err)
	}
	f.mu.Lock()
	delete(c.Networks, "star-hub-spoke1")
	f.mu.Unlock()
	res, err := o.Up(ctx, star, orchestrator.UpOptions{})
	if err != nil || !slices.Equal(res.Completed, []string{"~ node spoke1 (recreated: it had lost a network)"}) {
		t.Errorf("up: %+v, %v", res, err)
	}
}
