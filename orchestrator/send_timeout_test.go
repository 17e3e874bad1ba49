package orchestrator

import (
	"testing"
	"time"

	"github.com/topo-dev/topo/engine"
)

// TestSendTimeout: a send waits 5 s for its receipt, or on a ring long
// enough, 210 ms a node: two rounds of the token and the hops.
func TestSendTimeout(t *testing.T) {
	nodes := func(layout string, n int) []engine.ContainerInfo {
		cs := make([]engine.ContainerInfo, n)
		for i := range cs {
			cs[i] = engine.ContainerInfo{State: "running",
				Labels: map[string]string{engine.LabelAgent: "true", engine.LabelLayout: layout}}
		}
		return cs
	}
	for _, tc := range []struct {
		layout string
		n      int
		want   time.Duration
	}{
		{"star", 250, 5 * time.Second},
		{"ring", 4, 5 * time.Second},
		{"ring", 23, 5 * time.Second},
		{"ring", 30, 6300 * time.Millisecond},
		{"ring", 100, 21 * time.Second},
	} {
		if got := sendTimeout(nodes(tc.layout, tc.n)); got != tc.want {
			t.Errorf("a %s of %d: %v, want %v", tc.layout, tc.n, got, tc.want)
		}
	}
}
