package topology_test

import (
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/topology"
)

// A big shared segment gets a longer default interval, so that what its
// members send together stays what 50 members send, and so does a
// topology whose messages go many hops, so that all nodes together pass on
// 250 a second at most; a file's own interval, and small topologies, keep
// theirs.
func TestDefaultIntervalScales(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want time.Duration
	}{
		{"layout: bus\nnodes: 50\n", 2 * time.Second},
		{"layout: bus\nnodes: 100\n", 4 * time.Second},
		{"layout: bus\nnodes: 250\n", 10 * time.Second},
		{"layout: bus\nnodes: 250\ntraffic: {interval: 2s}\n", 2 * time.Second},
		{"layout: bus\nnodes: 250\ntraffic: {interval: 0}\n", 0},
		{"layout: star\nnodes: 250\n", 2 * time.Second},
		{"layout: ring\nnodes: 30\n", 2 * time.Second},         // 30 × 15 hops / 2 s = 225 a second
		{"layout: ring\nnodes: 40\n", 3200 * time.Millisecond}, // 40 × 20 hops / 2 s = 400
		{"layout: ring\nnodes: 100\n", 20 * time.Second},       // 100 × 50 hops / 2 s = 2,500
		{"layout: ring\nnodes: 100\ntraffic: {interval: 2s}\n", 2 * time.Second},
		{"layout: p2p\nnodes: 12\n", 2 * time.Second},
		{"layout: bus\nnodes: 250\n# traffic set in Go after loading\n", 100 * time.Millisecond},
	} {
		top, err := topology.Parse("t.yaml", []byte("name: t\n"+tc.src))
		if strings.Contains(tc.src, "set in Go") {
			top.Traffic.Interval = 100 * time.Millisecond // as topotest does
		}
		if err != nil {
			t.Fatalf("%q: %v", tc.src, err)
		}
		p, err := topology.BuildPlan(top, topology.PlanOptions{})
		if err != nil {
			t.Fatalf("%q: %v", tc.src, err)
		}
		if p.Traffic.Interval != tc.want {
			t.Errorf("%q: interval %v, want %v", tc.src, p.Traffic.Interval, tc.want)
		}
	}
}
