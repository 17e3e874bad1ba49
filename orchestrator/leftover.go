package orchestrator

import "github.com/topo-dev/topo/engine"

// Leftover says that a topology was left behind by a test run (topotest)
// whose process is gone: killed before its cleanup ran. Nothing will take
// it down but `topo down NAME`, or the next run of the same test binary.
type Leftover struct {
	TestRun string `json:"test_run"` // the topo.test-run label
	Binary  string `json:"binary"`   // the test binary's name
	PID     int    `json:"pid"`      // the test process, gone
}

// leftovers judges test runs by their label, each once.
type leftovers struct {
	over func(label string) bool
	seen map[string]bool
}

func newLeftovers(over func(label string) bool) *leftovers {
	return &leftovers{over: over, seen: map[string]bool{}}
}

// isOver reports whether the run of a label value is over.
func (l *leftovers) isOver(label string) bool {
	v, ok := l.seen[label]
	if !ok {
		v = l.over(label)
		l.seen[label] = v
	}
	return v
}

// of returns the Leftover of a topology whose containers carry these
// labels: nil unless every one of them was made by a test run that is
// over. A container without the label was made by someone else (`topo up`
// completing what a test began), who may still want it.
func (l *leftovers) of(labels []map[string]string) *Leftover {
	var first string
	for _, lb := range labels {
		run := lb[engine.LabelTestRun]
		if run == "" || !l.isOver(run) {
			return nil
		}
		if first == "" {
			first = run
		}
	}
	if first == "" {
		return nil
	}
	r, err := ParseTestRun(first)
	if err != nil {
		return nil
	}
	return &Leftover{TestRun: first, Binary: r.Binary, PID: r.PID}
}
