package ui

import (
	"testing"

	"github.com/topo-dev/topo/agent"
)

// TestAnimate: which hop a message is on, where the token goes, where a
// drop happened, from the nodes' own log lines.
func TestAnimate(t *testing.T) {
	m := newModel(plan(t, "layout: star\nnodes: 4\n"))
	for _, tc := range []struct {
		node, line string
		want       Anim
		ok         bool
	}{
		{"spoke1", `{"event":"send","peer":"spoke3","id":"a1"}`,
			Anim{Kind: AnimHop, ID: "a1", From: "spoke1", To: "hub", Source: "spoke1", Dest: "spoke3"}, true},
		{"hub", `{"event":"forward","peer":"spoke3","id":"a1","from":"spoke1","to":"spoke3"}`,
			Anim{Kind: AnimHop, ID: "a1", From: "hub", To: "spoke3", Source: "spoke1", Dest: "spoke3"}, true},
		{"spoke3", `{"event":"deliver","peer":"spoke1","id":"a1"}`,
			Anim{Kind: AnimDeliver, ID: "a1", Node: "spoke3", Source: "spoke1", Dest: "spoke3"}, true},
		{"hub", `{"event":"drop","reason":"link_down","id":"a2","from":"spoke1","to":"spoke2"}`,
			Anim{Kind: AnimDrop, ID: "a2", Node: "hub", Reason: "link_down", Source: "spoke1", Dest: "spoke2"}, true},
		{"node1", `{"event":"token","msg":"token to node2","peer":"node2"}`,
			Anim{Kind: AnimToken, From: "node1", To: "node2"}, true},
		{"node2", `{"event":"token","msg":"token from node1","peer":"node1"}`, Anim{}, false},
		{"spoke1", `{"event":"send","peer":"*","id":"b1"}`, Anim{}, false}, // a broadcast floods
		{"spoke1", `{"event":"send","peer":"nobody","id":"b2"}`, Anim{}, false},
		{"hub", `{"event":"link","msg":"link to spoke1 down","peer":"spoke1","reason":"bye"}`,
			Anim{Kind: AnimLink, Node: "hub", To: "spoke1", State: "down", Reason: "bye"}, true},
		{"hub", `{"event":"link","msg":"link to spoke1 up","peer":"spoke1"}`, Anim{Kind: AnimLink, Node: "hub", To: "spoke1", State: "up"}, true},
		{"hub", `{"event":"link","msg":"link to spoke1 cut: partition","peer":"spoke1"}`, Anim{}, false},
		{"hub", `{"event":"link","msg":"link to spoke1 one-way: what this node sends is cut: link_down","peer":"spoke1","reason":"link_down"}`,
			Anim{Kind: AnimLink, Node: "hub", To: "spoke1", State: "one-way", Reason: "link_down"}, true},
		{"box", `not json`, Anim{}, false},
	} {
		got, ok := m.animate(agent.ParseEvent(tc.node, tc.line))
		if ok != tc.ok || got != tc.want {
			t.Errorf("%s %s: %+v, %v; want %+v, %v", tc.node, tc.line, got, ok, tc.want, tc.ok)
		}
	}
}
