package topotest

import (
	"strings"
	"testing"
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
	var evs []Event
	for _, l := range lines {
		evs = append(evs, ParseEvent(l.node, l.line))
	}
	acc := account(evs)
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
