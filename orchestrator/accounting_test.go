package orchestrator

import (
	"strings"
	"testing"

	"github.com/topo-dev/topo/agent"
)

// TestAccount settles the books from log lines: every unicast message
// sent ends delivered or dropped once; a revoked drop does not count; a
// broadcast, and drops of other frames, are left out.
func TestAccount(t *testing.T) {
	lines := []struct{ node, line string }{
		{"a", `{"event":"send","peer":"b","id":"1"}`},
		{"b", `{"event":"deliver","peer":"a","id":"1"}`},
		{"a", `{"event":"send","peer":"c","id":"2"}`},
		{"a", `{"event":"drop","reason":"link_down","from":"a","id":"2"}`},
		{"a", `{"event":"send","peer":"c","id":"3"}`}, // lost: no outcome
		{"a", `{"event":"send","peer":"b","id":"4"}`},
		{"a", `{"event":"drop","reason":"unacked","from":"a","id":"4"}`},
		{"b", `{"event":"deliver","peer":"a","id":"4"}`},
		{"a", `{"event":"revoke","reason":"unacked","from":"a","id":"4"}`},
		{"a", `{"event":"send","peer":"b","id":"5"}`}, // counted twice
		{"a", `{"event":"drop","reason":"node_down","from":"a","id":"5"}`},
		{"b", `{"event":"deliver","peer":"a","id":"5"}`},
		{"a", `{"event":"send","peer":"*","id":"6"}`}, // a broadcast
		{"b", `{"event":"deliver","peer":"a","id":"6"}`},
		{"c", `{"event":"drop","reason":"link_down","peer":"a","id":"6","msg":"broadcast copy dropped"}`},
		{"b", `{"event":"drop","reason":"link_down","id":"7","msg":"receipt dropped"}`},
		{"b", `not json`},
	}
	var evs []agent.Event
	for _, l := range lines {
		evs = append(evs, agent.ParseEvent(l.node, l.line))
	}
	acc := Account(evs)
	if acc.Originated != 5 || acc.Delivered != 3 || acc.Dropped["link_down"] != 1 || acc.Dropped["unacked"] != 0 ||
		acc.Dropped["node_down"] != 1 {
		t.Errorf("books: %v", acc)
	}
	if len(acc.Missing) != 1 || acc.Missing[0].ID != "3" {
		t.Errorf("missing %+v, want message 3", acc.Missing)
	}
	if len(acc.Twice) != 1 || acc.Twice[0] != "5" {
		t.Errorf("counted twice %v, want message 5", acc.Twice)
	}
	if s := acc.String(); !strings.Contains(s, "missing 1") || !strings.Contains(s, "counted twice 1") {
		t.Errorf("String: %s", s)
	}
}

// TestAccountHostDown: with c's host down (its log unread), the messages
// with no outcome that were sent or forwarded to c, or that left their
// origin towards c as first hop with no trace, count as dropped,
// host_down; one lost on its way elsewhere stays missing.
func TestAccountHostDown(t *testing.T) {
	lines := []struct{ node, line string }{
		{"a", `{"event":"send","peer":"c","id":"1"}`}, // delivered at c, whose log is gone
		{"a", `{"event":"send","peer":"d","id":"2"}`},
		{"b", `{"event":"forward","peer":"c","id":"2"}`}, // through c
		{"a", `{"event":"send","peer":"c","id":"3"}`},
		{"a", `{"event":"drop","reason":"link_down","from":"a","id":"3"}`}, // after c's links broke
		{"a", `{"event":"send","peer":"b","id":"4"}`},                      // lost on the way to b: missing, or through c
	}
	var evs []agent.Event
	for _, l := range lines {
		evs = append(evs, agent.ParseEvent(l.node, l.line))
	}
	for _, tc := range []struct {
		lost              map[string]bool
		via               string // every first hop
		hostDown, missing int
	}{
		{nil, "b", 0, 3},
		{map[string]bool{"c": true}, "b", 2, 1},
		{map[string]bool{"c": true}, "c", 3, 0}, // a's first hop is c
		{map[string]bool{"d": true}, "b", 1, 2},
	} {
		acc := Account(evs)
		acc.lostWith(evs, tc.lost, func(string, string) string { return tc.via })
		if acc.Dropped[ReasonHostDown] != tc.hostDown || len(acc.Missing) != tc.missing || acc.Dropped["link_down"] != 1 {
			t.Errorf("lost %v: %v; want %d host_down, %d missing, 1 link_down", tc.lost, acc, tc.hostDown, tc.missing)
		}
	}
}
