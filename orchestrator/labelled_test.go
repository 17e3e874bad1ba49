package orchestrator_test

import (
	"context"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
)

// TestEveryResourceIsLabelled: every container, network and helper an up
// creates carries topo's version and the WithLabels labels, and topo's own
// labels win over those.
func TestEveryResourceIsLabelled(t *testing.T) {
	f := newFake()
	extra := map[string]string{engine.LabelTestRun: "run", engine.LabelTopology: "not-star"}
	o := orchestrator.New(f, orchestrator.WithLabels(extra),
		orchestrator.WithNodeImage(func(context.Context) (string, error) { return "topo-node:fake", nil }))
	extra[engine.LabelTestRun] = "changed after" // WithLabels keeps its own copy
	if _, err := o.Up(context.Background(), load(t, "../topologies/star.yaml"), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	check := func(what string, l map[string]string, topology string) {
		t.Helper()
		if l[engine.LabelVersion] != orchestrator.Version() || l[engine.LabelTestRun] != "run" {
			t.Errorf("%s: labels %v lack version %q or test run", what, l, orchestrator.Version())
		}
		if l[engine.LabelTopology] != topology {
			t.Errorf("%s: topology label %q, want %q", what, l[engine.LabelTopology], topology)
		}
	}
	cs, _ := f.ListContainers(context.Background(), nil)
	ns, _ := f.ListNetworks(context.Background(), nil)
	if len(cs) != 5 || len(ns) != 4 || len(f.helpers) == 0 {
		t.Fatalf("%d containers, %d networks, %d helpers; want 5, 4 and some", len(cs), len(ns), len(f.helpers))
	}
	for _, c := range cs {
		check("container "+c.Name, c.Labels, "star")
	}
	for _, n := range ns {
		check("network "+n.Name, n.Labels, "star")
	}
	for _, h := range f.helpers {
		check("helper "+h.Name, h.Labels, "not-star") // a helper names its topology in topo.helper
	}
	if engine.CapabilitiesOf(o.Runtime()) != engine.CapabilitiesOf(f) {
		t.Error("the labelled runtime hides the engine's capabilities")
	}
}

// TestListMarksLeftovers: List marks a topology whose every container a
// test run made that is over, and no other.
func TestListMarksLeftovers(t *testing.T) {
	self := orchestrator.CurrentTestRun()
	if self.Boot == "" || self.PIDNS == "" {
		t.Skipf("no /proc to judge processes by: %+v", self)
	}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := self
	dead.PID, dead.Start, dead.Binary = cmd.Process.Pid, 1, "gone.test"
	tests := []struct {
		name string
		runs []string // the test-run label of each of star's containers; fewer: the rest have none
		want *orchestrator.Leftover
	}{
		{"a killed run's", []string{dead.String(), dead.String(), dead.String(), dead.String(), dead.String()}, &orchestrator.Leftover{TestRun: dead.String(), Binary: "gone.test", PID: dead.PID}},
		{"a running test's", []string{self.String(), self.String(), self.String(), self.String(), self.String()}, nil},
		{"completed by a running test", []string{dead.String(), dead.String(), dead.String(), dead.String(), self.String()}, nil},
		{"completed by topo up", []string{dead.String(), dead.String(), dead.String(), dead.String()}, nil},
		{"no test's", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			if _, err := fakeOrchestrator(f).Up(context.Background(), load(t, "../topologies/star.yaml"), orchestrator.UpOptions{}); err != nil {
				t.Fatal(err)
			}
			for i, c := range sortedContainers(f) {
				if i < len(tc.runs) {
					c.Labels[engine.LabelTestRun] = tc.runs[i]
				}
			}
			tops, err := fakeOrchestrator(f).List(context.Background())
			if err != nil || len(tops) != 1 {
				t.Fatalf("List: %+v, %v", tops, err)
			}
			got := tops[0].Leftover
			if (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
				t.Errorf("Leftover = %+v, want %+v", got, tc.want)
			}
			if tops[0].Version != orchestrator.Version() {
				t.Errorf("Version = %q, want %q", tops[0].Version, orchestrator.Version())
			}
		})
	}
}

// sortedContainers are the fake's containers, by name.
func sortedContainers(f *fakeRuntime) []*engine.ContainerInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*engine.ContainerInfo
	for _, c := range f.containers {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b *engine.ContainerInfo) int { return strings.Compare(a.Name, b.Name) })
	return out
}
