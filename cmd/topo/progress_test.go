package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/orchestrator"
)

// A wait for readiness is shown with the time so far and the nodes still
// waited for, a few of them by name.
func TestProgressShowsTheWait(t *testing.T) {
	for _, tc := range []struct {
		waiting []string
		want    string
	}{
		{[]string{"spoke3", "spoke4"}, "ready 3/5: waiting 12s for spoke3, spoke4\n"},
		{[]string{"a", "b", "c", "d", "e", "f", "g"}, "ready 3/5: waiting 12s for a, b, c, d, e and 2 more\n"},
	} {
		var b bytes.Buffer
		newProgress(&b).event(orchestrator.Progress{Topology: "t", Phase: orchestrator.PhaseReady, Status: "waiting",
			Waiting: tc.waiting, Done: 3, Total: 5, Elapsed: 12300 * time.Millisecond})
		if b.String() != tc.want {
			t.Errorf("got %q, want %q", b.String(), tc.want)
		}
	}
	var b bytes.Buffer
	newProgress(&b).event(orchestrator.Progress{Topology: "t", Phase: orchestrator.PhaseReady, Status: "waiting",
		Waiting: []string{"spoke3", "spoke4"}, LinksDown: map[string][]string{"spoke3": {"hub"}}, Done: 3, Total: 5,
		Elapsed: 12300 * time.Millisecond})
	if want := "ready 3/5: waiting 12s for spoke3, spoke4\n  spoke3: links down to hub\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

// On a terminal, phases that overlap (up's networks and containers) share
// the one rewritten line, each with its own count, until each is done.
func TestProgressShowsOverlappingPhasesOnOneLine(t *testing.T) {
	var b bytes.Buffer
	p := &progress{w: &b, tty: true}
	nets, cons := orchestrator.PhaseNetworks, orchestrator.PhaseContainers
	for _, e := range []orchestrator.Progress{
		{Phase: nets, Status: "started", Total: 2},
		{Phase: cons, Status: "started", Total: 2},
		{Phase: nets, Resource: "a", Status: "done", Done: 1, Total: 2},
		{Phase: cons, Resource: "n1", Status: "done", Done: 1, Total: 2},
		{Phase: nets, Resource: "b", Status: "done", Done: 2, Total: 2},
		{Phase: nets, Status: "done", Done: 2, Total: 2, Elapsed: 1500 * time.Millisecond},
		{Phase: cons, Resource: "n2", Status: "done", Done: 2, Total: 2},
		{Phase: cons, Status: "done", Done: 2, Total: 2, Elapsed: 2 * time.Second},
	} {
		p.event(e)
	}
	var lines []string
	for _, l := range strings.Split(b.String(), "\r\033[K") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	want := []string{
		"… networks 0/2",
		"… networks 0/2 · containers 0/2",
		"… networks 1/2 · containers 0/2 a",
		"… networks 1/2 · containers 1/2 n1",
		"… networks 2/2 · containers 1/2 b",
		"✓ networks 2/2 (1.5s)\n",
		"… containers 1/2",
		"… containers 2/2 n2",
		"✓ containers 2/2 (2s)\n",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("terminal lines:\n%q\nwant\n%q", lines, want)
	}
}

// A step still under way (the agent compiling with a cold Go build cache)
// is shown as it goes, not only when it ends.
func TestProgressShowsAStepUnderWay(t *testing.T) {
	e := orchestrator.Progress{Phase: orchestrator.PhaseImage, Status: orchestrator.StatusWorking, Resource: "compiling agent: 6s so far", Total: 1}
	var b bytes.Buffer
	newProgress(&b).event(e)
	if want := "image: compiling agent: 6s so far\n"; b.String() != want {
		t.Errorf("plain: got %q, want %q", b.String(), want)
	}
	b.Reset()
	(&progress{w: &b, tty: true}).event(e)
	if want := "\r\033[K… image: compiling agent: 6s so far"; b.String() != want {
		t.Errorf("terminal: got %q, want %q", b.String(), want)
	}
}
