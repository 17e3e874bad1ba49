package orchestrator_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
)

// The hosts files of the nodes that stay are rewritten by a helper as a
// fresh up writes them (#26): a node added is named, one removed is not;
// and again when such a node is started again, the engine having written
// the one it was made with. A node that no change touched is left alone.
func TestUpRewritesTheHostsOfNodesThatStay(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	e := newEdit(t)
	if _, err := o.Up(ctx, e.to(star4), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	f.steps = nil
	if err := o.NodeAction(ctx, "st", orchestrator.NodeActionOptions{Action: engine.ActionRestart, Nodes: []string{"spoke1"}}); err != nil {
		t.Fatal(err)
	}
	if got := hostsSteps(f); len(got) > 0 {
		t.Errorf("a node no change touched, restarted: hosts rewritten %q", got)
	}
	f.steps = nil
	if _, err := o.Up(ctx, e.to(strings.Replace(star4, "spoke4]", "spoke5]", 1)), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		got := hostsSteps(f)
		for _, n := range []string{"hub", "spoke1", "spoke2", "spoke3"} {
			i := slices.IndexFunc(got, func(s string) bool { return strings.HasPrefix(s, "hosts "+n+" ") })
			if i < 0 {
				t.Errorf("%s: %s's hosts not rewritten: %q", when, n, got)
				continue
			}
			if !strings.Contains(got[i], " spoke5:") || !strings.Contains(got[i], " st-spoke5:") || strings.Contains(got[i], "spoke4") {
				t.Errorf("%s: %s's hosts: %q, want spoke5 and not spoke4", when, n, got[i])
			}
		}
	}
	check("up")
	f.steps = nil
	if err := o.NodeAction(ctx, "st", orchestrator.NodeActionOptions{Action: engine.ActionRestart, Nodes: []string{"spoke1"}}); err != nil {
		t.Fatal(err)
	}
	if got := hostsSteps(f); len(got) != 1 || !strings.HasPrefix(got[0], "hosts spoke1 ") || !strings.Contains(got[0], " spoke5:") {
		t.Errorf("spoke1 restarted: hosts %q, want its own rewritten", got)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, h := range f.helpers {
		if h.HostsOf != "" && (len(h.CapAdd) > 0 || h.JoinNetworkOf != "" || !slices.Equal(h.CapDrop, []string{"ALL"})) {
			t.Errorf("hosts helper %s has more than it needs: %+v", h.Name, h)
		}
	}
}

func hostsSteps(f *fakeRuntime) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, s := range f.steps {
		if strings.HasPrefix(s, "hosts ") {
			out = append(out, s)
		}
	}
	return out
}

// A node that lost a segment in a change in place, restarted, is made
// again with the config its agent took as it ran (#26): its old one names
// the segment's network, gone, which the agent would wait for. Up again
// is still the no-op, and a node that lost none is restarted as it is.
func TestRestartRenewsANodeThatLostASegment(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	e := newEdit(t)
	if _, err := o.Up(ctx, e.to(star4), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	changed := e.to(strings.Replace(star4, ", spoke4]", "]", 1))
	if _, err := o.Up(ctx, changed, orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	before := ids(f)
	for _, n := range []string{"hub", "spoke1"} {
		if err := o.NodeAction(ctx, "st", orchestrator.NodeActionOptions{Action: engine.ActionRestart, Nodes: []string{n}}); err != nil {
			t.Fatalf("restart %s: %v", n, err)
		}
	}
	after := ids(f)
	if after["st-hub"] == before["st-hub"] {
		t.Errorf("hub, which lost hub-spoke4, was restarted as it was made: its agent would wait for that network")
	}
	if after["st-spoke1"] != before["st-spoke1"] {
		t.Errorf("spoke1, which lost no segment, was made again")
	}
	hub, err := f.ContainerByName(ctx, "st-hub")
	if err != nil || hub.State != "running" || strings.Contains(strings.Join(hub.Env, " "), "hub-spoke4") {
		t.Errorf("hub made again: %+v, %v; want it running, its config without hub-spoke4", hub, err)
	}
	if again, err := o.Up(ctx, changed, orchestrator.UpOptions{}); err != nil || !again.AlreadyRunning {
		t.Errorf("up again: %+v, %v; want the no-op", again, err)
	}
	sameAsFresh(t, o, "st", strings.Replace(star4, ", spoke4]", "]", 1))
}

// An up that fails after it reconfigured the nodes that stay hands them
// back what they had (#26): the hub's agent its old config, without the
// spoke that was to come, which the rollback removes; an up of the file
// again applies the change.
func TestAFailedChangeGivesBackTheOldConfigs(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	e := newEdit(t)
	if _, err := o.Up(ctx, e.to(star4), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	changed := e.to(strings.Replace(star4, "spoke4]", "spoke4, spoke5]", 1))
	f.failHelper = func(spec engine.ContainerSpec) error {
		if spec.HostsOf == "st-spoke1" {
			return errors.New("no hosts today")
		}
		return nil
	}
	if _, err := o.Up(ctx, changed, orchestrator.UpOptions{}); err == nil || !strings.Contains(err.Error(), "no hosts today") {
		t.Fatalf("up with a failing hosts helper: %v", err)
	}
	f.mu.Lock()
	hub := f.reconfigs["hub"]
	f.mu.Unlock()
	if len(hub) != 2 || !strings.Contains(hub[0], "spoke5") || strings.Contains(hub[1], "spoke5") {
		t.Errorf("hub's agent was handed %d configs, want the new one (with spoke5), then its old one back: %q", len(hub), hub)
	}
	if _, ok := ids(f)["st-spoke5"]; ok {
		t.Error("spoke5 outlives the failed up")
	}
	f.failHelper = nil
	if _, err := o.Up(ctx, changed, orchestrator.UpOptions{}); err != nil {
		t.Fatalf("up again: %v", err)
	}
}
