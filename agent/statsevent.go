package agent

import (
	"encoding/json"
	"fmt"
	"time"
)

// The agents of a large topology log their stats now and then, so that
// `topo status` can read them from the logs instead of running a process
// in every node: on an engine that runs one exec at a time, asking 250
// agents takes longer than reading 250 logs.
const (
	// EvStats is the periodic stats event; its "stats" field is a
	// StatsSummary.
	EvStats = "stats"
	// StatsNodes is the size of topology from which agents log it.
	StatsNodes = 50
	// StatsEvery is how often they do.
	StatsEvery = 5 * time.Second
)

// FieldStats is the stats event's field holding its StatsSummary.
const FieldStats = "stats"

// StatsSummary is a node's Stats without the per-neighbour detail, which
// on a big shared segment would be hundreds of objects a line: the
// neighbours are named, and the links not up and those with a runtime
// fault are named again.
type StatsSummary struct {
	Ready       bool              `json:"ready"`
	Counters    Counters          `json:"counters"`
	RSSBytes    int64             `json:"rss_bytes"`
	QueuedBytes int64             `json:"queued_bytes"`
	Outbox      int               `json:"outbox"`
	InFlight    int               `json:"in_flight"`
	Links       []string          `json:"links"`             // the neighbours, in config order
	Foreign     []string          `json:"foreign,omitempty"` // neighbours that run a user's image: no link
	Down        []string          `json:"down,omitempty"`    // neighbours whose link is not up
	OneWay      []string          `json:"one_way,omitempty"` // of Down, those whose link is one-way
	Faults      map[string]string `json:"faults,omitempty"`  // neighbour -> runtime fault
}

// Summary is s as the stats event carries it.
func (s Stats) Summary() StatsSummary {
	sum := StatsSummary{Ready: s.Ready, Counters: s.Counters, RSSBytes: s.RSSBytes, QueuedBytes: s.QueuedBytes,
		Outbox: s.Outbox, InFlight: s.InFlight}
	for _, n := range s.Neighbors {
		if n.State == StateForeign {
			sum.Foreign = append(sum.Foreign, n.Name)
			continue
		}
		sum.Links = append(sum.Links, n.Name)
		if n.State != "up" {
			sum.Down = append(sum.Down, n.Name)
		}
		if n.State == LinkOneWay {
			sum.OneWay = append(sum.OneWay, n.Name)
		}
		if n.Fault != "" {
			if sum.Faults == nil {
				sum.Faults = map[string]string{}
			}
			sum.Faults[n.Name] = n.Fault
		}
	}
	return sum
}

// StatsOf returns the summary a stats event carries.
func StatsOf(ev Event) (StatsSummary, error) {
	var sum StatsSummary
	if ev.Event != EvStats {
		return sum, fmt.Errorf("not a stats event: %q", ev.Event)
	}
	raw, ok := ev.Fields[FieldStats]
	if !ok {
		return sum, fmt.Errorf("stats event without %q", FieldStats)
	}
	b, err := json.Marshal(raw)
	if err == nil {
		err = json.Unmarshal(b, &sum)
	}
	return sum, err
}
