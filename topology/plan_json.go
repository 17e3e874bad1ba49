package topology

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"time"
)

// The JSON form of a plan (topo validate --plan -o json, topo up --dry-run
// -o json) writes durations as a topology file does, "2s" rather than
// 2000000000, and reads both. Traffic and Impairment keep their plain form
// elsewhere: the topology's hash (the topo.plan label) is built from it.

// fileDuration is a duration whose JSON form is FormatDuration's string.
// It reads that, any time.ParseDuration string, or a number of nanoseconds.
type fileDuration time.Duration

func (d fileDuration) MarshalJSON() ([]byte, error) {
	return json.Marshal(FormatDuration(time.Duration(d)))
}

func (d *fileDuration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("duration %q: %w", s, err)
		}
		*d = fileDuration(v)
		return nil
	}
	var ns int64
	if err := json.Unmarshal(b, &ns); err != nil {
		return fmt.Errorf("duration: want a string like \"2s\" or a number of nanoseconds, got %s", b)
	}
	*d = fileDuration(ns)
	return nil
}

// trafficJSON is Traffic's JSON form in a plan.
type trafficJSON struct {
	Protocol string       `json:"protocol"`
	Interval fileDuration `json:"interval"`
	Size     int          `json:"size"`
}

// impairmentJSON is Impairment's JSON form in a plan.
type impairmentJSON struct {
	Delay  fileDuration `json:"delay,omitempty"`
	Jitter fileDuration `json:"jitter,omitempty"`
	Loss   float64      `json:"loss,omitempty"`
	Rate   uint64       `json:"rate,omitempty"`
}

// planJSON is Plan's JSON form: Plan's fields, in Plan's order
// (TestPlanJSONHasEveryField keeps them so).
type planJSON struct {
	Name     string           `json:"name"`
	Layout   Layout           `json:"layout"`
	File     string           `json:"file,omitempty"`
	Traffic  trafficJSON      `json:"traffic"`
	Pool     netip.Prefix     `json:"pool"`
	Routing  Routing          `json:"routing"`
	LogLevel string           `json:"log_level,omitempty"`
	Faults   []ScheduledFault `json:"faults,omitempty"`
	Nodes    []PlanNode       `json:"nodes"`
	Segments []PlanSegment    `json:"segments"`
}

// MarshalJSON writes the plan with its traffic interval as the file
// writes it.
func (p Plan) MarshalJSON() ([]byte, error) {
	t := p.Traffic
	return json.Marshal(planJSON{
		Name: p.Name, Layout: p.Layout, File: p.File,
		Traffic: trafficJSON{t.Protocol, fileDuration(t.Interval), t.Size},
		Pool:    p.Pool, Routing: p.Routing, LogLevel: p.LogLevel, Faults: p.Faults, Nodes: p.Nodes, Segments: p.Segments,
	})
}

// UnmarshalJSON reads what MarshalJSON writes, and the form with durations
// in nanoseconds that plans had before.
func (p *Plan) UnmarshalJSON(b []byte) error {
	var v planJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	t := v.Traffic
	*p = Plan{
		Name: v.Name, Layout: v.Layout, File: v.File,
		Traffic: Traffic{t.Protocol, time.Duration(t.Interval), t.Size},
		Pool:    v.Pool, Routing: v.Routing, LogLevel: v.LogLevel, Faults: v.Faults, Nodes: v.Nodes, Segments: v.Segments,
	}
	return nil
}

// segmentFields is PlanSegment without its JSON methods.
type segmentFields PlanSegment

// segmentJSON is PlanSegment's JSON form: its impairment, the last field,
// with durations as the file writes them.
type segmentJSON struct {
	segmentFields
	Impairment impairmentJSON `json:"impairment"`
}

// MarshalJSON writes the segment with its impairment's durations as the
// file writes them.
func (s PlanSegment) MarshalJSON() ([]byte, error) {
	i := s.Impairment
	return json.Marshal(segmentJSON{segmentFields(s), impairmentJSON{fileDuration(i.Delay), fileDuration(i.Jitter), i.Loss, i.Rate}})
}

// UnmarshalJSON reads what MarshalJSON writes, and durations in
// nanoseconds.
func (s *PlanSegment) UnmarshalJSON(b []byte) error {
	var v segmentJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	i := v.Impairment
	*s = PlanSegment(v.segmentFields)
	s.Impairment = Impairment{time.Duration(i.Delay), time.Duration(i.Jitter), i.Loss, i.Rate}
	return nil
}
