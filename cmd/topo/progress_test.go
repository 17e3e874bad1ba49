package main

import (
	"bytes"
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
