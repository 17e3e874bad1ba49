package orchestrator_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// TestLinkDownOneWay cuts what hub sends spoke2 only: the kernel filter
// goes on spoke2's end alone (dropping what comes from hub's MAC), hub's
// agent is told an outgoing cut and spoke2's an incoming one, the fault
// says hub→spoke2; the other way cut too makes the link cut, and
// restoring one way of it leaves the other; plain up lifts both.
func TestLinkDownOneWay(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	if _, err := o.Up(ctx, load(t, "../topologies/star.yaml"), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	link := func(from string, down bool) []string {
		t.Helper()
		fs, err := o.Link(ctx, "star", orchestrator.LinkOptions{A: "spoke2", B: "hub", Down: down, From: from})
		if err != nil {
			t.Fatal(err)
		}
		return faultStrings(fs)
	}
	mark, stepMark := len(f.helpers), len(f.steps)
	if got := link("hub", true); strings.Join(got, "; ") != "link hub→spoke2 down" {
		t.Errorf("faults after link down --from hub: %q", got)
	}
	got := filterHelpers(f, mark)
	spokeAddr := addrOn(f.specs["star-spoke2"], "star-hub-spoke2")
	if _, hub := got["hub"]; hub || len(got) != 1 || !strings.HasPrefix(got["spoke2"], spokeAddr+",02:42:") || !strings.HasSuffix(got["spoke2"], ",100,arp") {
		t.Errorf("filters after link down --from hub: %v, want spoke2's alone", got)
	}
	wantSteps(t, f.steps[stepMark:], `faults hub {"spoke2":{"cut":"link_down","direction":"out"}}`, "filter spoke2")
	wantSteps(t, f.steps[stepMark:], `faults spoke2 {"hub":{"cut":"link_down","direction":"in"}}`, "filter spoke2")

	mark = len(f.helpers)
	if got := link("spoke2", true); strings.Join(got, "; ") != "link hub–spoke2 down" {
		t.Errorf("both ways down: %q, want the link down", got)
	}
	if got := filterHelpers(f, mark); len(got) != 2 || !strings.HasSuffix(got["spoke2"], ",100") || !strings.HasSuffix(got["hub"], ",100") {
		t.Errorf("filters with both ways down: %v, want both ends', ARP dropped too", got)
	}
	mark = len(f.helpers)
	if got := link("spoke2", false); strings.Join(got, "; ") != "link hub→spoke2 down" {
		t.Errorf("up --from spoke2 of a cut link: %q, want hub→spoke2 still down", got)
	}
	if got := filterHelpers(f, mark); len(got) != 2 || got["hub"] != "" || !strings.HasSuffix(got["spoke2"], ",100,arp") {
		t.Errorf("filters after up --from spoke2: %v, want hub's emptied, spoke2's keeping ARP again", got)
	}
	if got := link("", false); len(got) != 0 {
		t.Errorf("plain up: %q, want nothing in force", got)
	}
	_, err := o.Link(ctx, "star", orchestrator.LinkOptions{A: "spoke2", B: "hub", Down: true, From: "spoke1"})
	if !errors.Is(err, orchestrator.ErrBadFault) || !strings.Contains(err.Error(), "not an end") {
		t.Errorf("from a node that is not an end: %v", err)
	}
}

// TestImpairOneWay impairs what hub sends spoke1 only: the lossy filter
// goes on spoke1's end, only hub's agent is told the impairment, and an
// impairment of both ways lies under it.
func TestImpairOneWay(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	if _, err := o.Up(ctx, load(t, "../topologies/star.yaml"), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	mark, stepMark := len(f.helpers), len(f.steps)
	fs, err := o.Impair(ctx, "star", orchestrator.ImpairOptions{A: "hub", B: "spoke1", From: "hub", LossPercent: 30})
	if err != nil || strings.Join(faultStrings(fs), "; ") != "link hub→spoke1 impaired: loss=30%" {
		t.Fatalf("impair --from hub: %q, %v", faultStrings(fs), err)
	}
	if got := filterHelpers(f, mark); len(got) != 1 || !strings.HasSuffix(got["spoke1"], ",30,7000") {
		t.Errorf("filters: %v, want spoke1's alone, 30%% keeping the agents' port", got)
	}
	wantSteps(t, f.steps[stepMark:], `faults hub {"spoke1":{"impairment":{"loss":0.3}}}`)
	for _, s := range f.steps[stepMark:] {
		if strings.HasPrefix(s, "faults spoke1") {
			t.Errorf("spoke1 told %q: what it sends is not impaired", s)
		}
	}
	fs, err = o.Impair(ctx, "star", orchestrator.ImpairOptions{A: "hub", B: "spoke1", Delay: 1e8})
	if err != nil || strings.Join(faultStrings(fs), "; ") != "link hub–spoke1 impaired: delay=100ms; link hub→spoke1 impaired: loss=30%" {
		t.Errorf("both ways under one: %q, %v", faultStrings(fs), err)
	}
	if fs, err = o.Impair(ctx, "star", orchestrator.ImpairOptions{A: "hub", B: "spoke1", Clear: true}); err != nil || len(fs) != 0 {
		t.Errorf("plain clear: %q, %v, want every impairment of the link lifted", faultStrings(fs), err)
	}
	if err := (orchestrator.ImpairOptions{All: true, From: "hub", LossPercent: 1}).Check(); err == nil {
		t.Error("--all --from was taken")
	}
}

// TestScheduleOneWay: a file's scheduled link fault with from: cuts that
// way only, and its impairment impairs that way only.
func TestScheduleOneWay(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	if _, err := o.Up(ctx, load(t, "../topologies/star.yaml"), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	steps := []topology.ScheduledFault{
		{Link: []string{"hub", "spoke1"}, Down: true, From: "spoke1"},
		{Link: []string{"hub", "spoke2"}, LossPercent: 20, From: "hub"},
	}
	if err := o.RunSchedule(ctx, "star", steps, time.Now()); err != nil {
		t.Fatal(err)
	}
	fs, err := o.Faults(ctx, "star")
	if got := strings.Join(faultStrings(fs), "; "); err != nil || got != "link hub→spoke2 impaired: loss=20%; link spoke1→hub down" {
		t.Errorf("faults after the schedule: %q, %v", got, err)
	}
}
