package agent

import (
	"encoding/json"
	"reflect"
	"testing"
)

// A stats event carries the counters and names only the links that are
// not up or have a fault; it reads back as it was written.
func TestStatsSummaryRoundTrip(t *testing.T) {
	s := Stats{Ready: false, Counters: Counters{Originated: 7, Delivered: 5}, RSSBytes: 1 << 20, InFlight: 2,
		Neighbors: []NeighborStats{{Name: "a", State: "up"}, {Name: "b", State: "down"},
			{Name: "c", State: "up", Fault: "partition"}, {Name: "u", State: StateForeign}}}
	sum := s.Summary()
	want := StatsSummary{Counters: s.Counters, RSSBytes: 1 << 20, InFlight: 2, Links: []string{"a", "b", "c"}, Foreign: []string{"u"}, Down: []string{"b"},
		Faults: map[string]string{"c": "partition"}}
	if !reflect.DeepEqual(sum, want) {
		t.Fatalf("summary %+v, want %+v", sum, want)
	}
	line, _ := json.Marshal(map[string]any{FieldEvent: EvStats, FieldNode: "n", FieldStats: sum})
	got, err := StatsOf(ParseEvent("n", string(line)))
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("read back %+v (%v), want %+v", got, err, want)
	}
	if _, err := StatsOf(ParseEvent("n", `{"event":"deliver"}`)); err == nil {
		t.Error("a deliver event read as stats")
	}
}
