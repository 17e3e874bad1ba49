package main

import (
	"testing"

	"github.com/topo-dev/topo/agent"
)

// TestPrintReceipt: the text of a receipt counts hops in good English and
// ends with the message's id, and how to find it in the logs.
func TestPrintReceipt(t *testing.T) {
	tests := []struct {
		name  string
		r     agent.Receipt
		ref   string
		burst int
		want  string
	}{
		{"one hop", agent.Receipt{ID: "a1", From: "hub", To: "spoke1", Delivered: true, Path: []string{"hub", "spoke1"}, RTTMs: 0.5}, "", 1,
			"delivered hub → spoke1 in 1 hop, rtt 0.50 ms\npath: hub → spoke1\nid: a1 (`topo logs --id a1` shows its way)\n"},
		{"two hops, -t", agent.Receipt{ID: "b2", From: "spoke1", To: "spoke3", Delivered: true, Path: []string{"spoke1", "hub", "spoke3"}, RTTMs: 1.7}, "star", 1,
			"delivered spoke1 → spoke3 in 2 hops, rtt 1.70 ms\npath: spoke1 → hub → spoke3\nid: b2 (`topo logs -t star --id b2` shows its way)\n"},
		{"lost", agent.Receipt{ID: "c3", From: "spoke1", To: "spoke3", Reason: "loss", Path: []string{"spoke1", "hub"}}, "", 1,
			"not delivered: spoke1 → spoke3: loss\ngot as far as: spoke1 → hub\nid: c3 (`topo logs --id c3` shows its way)\n"},
		{"broadcast", agent.Receipt{ID: "d4", From: "spoke2", To: "*", Queued: true}, "", 1,
			"broadcast from spoke2 sent; broadcasts ask for no receipt: `topo logs` shows every node's delivery\nid: d4 (`topo logs --id d4` shows its way)\n"},
		{"no id", agent.Receipt{From: "a", To: "b", Reason: "node_down"}, "", 1, "not delivered: a → b: node_down\n"},
		{"burst", agent.Receipt{ID: "e5", From: "a", To: "b", Delivered: true, Path: []string{"a", "b"}, RTTMs: 0.25, Count: 1000, PerSecond: 51234.4}, "", 1000,
			"burst of 1000 delivered a → b in 1 hop: 51234 messages a second; the last one's rtt 0.25 ms\npath: a → b\nid: e5 (`topo logs --id e5` shows its way)\n"},
		{"burst, some lost", agent.Receipt{ID: "e6", From: "a", To: "f", Delivered: true, Path: []string{"a", "b", "f"}, RTTMs: 1.5, Count: 20000, Arrived: 15292, PerSecond: 14846.2}, "", 20000,
			"burst of 20000: 15292 arrived a → f in 2 hops by the last one, 14846 messages a second; the other 4708 were dropped on the way " +
				"or are still coming (`topo status` counts them); the last one's rtt 1.50 ms\npath: a → b → f\nid: e6 (`topo logs --id e6` shows its way)\n"},
		{"receipt lost, delivered", agent.Receipt{ID: "f7", From: "spoke1", To: "spoke3", Delivered: true, ReceiptLost: true, WaitedMs: 5000,
			Path: []string{"spoke1", "hub", "spoke3"}}, "", 1,
			"delivered (receipt lost) spoke1 → spoke3 in 2 hops: spoke3 logged it, but no receipt came back within 5s\npath: spoke1 → hub → spoke3\n" +
				"id: f7 (`topo logs --id f7` shows its way)\n"},
		{"receipt lost, dropped", agent.Receipt{ID: "f8", From: "spoke1", To: "spoke3", ReceiptLost: true, WaitedMs: 5000, Reason: "link_down",
			DroppedAt: "hub", Path: []string{"spoke1", "hub"}}, "", 1,
			"not delivered: spoke1 → spoke3: link_down at hub (receipt lost: hub logged the drop, no receipt came back within 5s)\n" +
				"got as far as: spoke1 → hub\nid: f8 (`topo logs --id f8` shows its way)\n"},
		{"unknown", agent.Receipt{ID: "f9", From: "spoke1", To: "spoke3", Unknown: true, WaitedMs: 5000, Reason: "timeout"}, "", 1,
			"unknown: spoke1 → spoke3: no receipt within 5s, and no node logged its delivery or its drop; it may still arrive\n" +
				"id: f9 (`topo logs --id f9` shows its way)\n"},
		{"burst cut short", agent.Receipt{From: "a", To: "b", Reason: "timeout", Count: 700}, "", 1000,
			"burst not delivered: a → b: timeout after 700 of 1000 messages\n"},
	}
	for _, tt := range tests {
		a, out := testApp()
		printReceipt(a, &tt.r, tt.ref, tt.burst)
		if out.String() != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, out.String(), tt.want)
		}
	}
}
