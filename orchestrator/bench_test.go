package orchestrator_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// BenchmarkUpDown times up and down of a ring of 10 and of 30 nodes on the
// real engine, split by phase, and reports the memory of one idle node.
//
//	go test ./orchestrator -run '^$' -bench UpDown -benchtime 3x
func BenchmarkUpDown(b *testing.B) {
	for _, n := range []int{10, 30} {
		b.Run(fmt.Sprintf("ring%d", n), func(b *testing.B) {
			o := livetest.Engine(b)
			file := filepath.Join(b.TempDir(), "ring.yaml")
			src := fmt.Sprintf("layout: ring\nnodes: %d\ntraffic: {interval: 0}\n", n)
			if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
				b.Fatal(err)
			}
			top, err := topology.Load(file)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			// Build the image once, outside the timing of later rounds.
			if _, err := o.NodeImage(ctx); err != nil {
				b.Fatal(err)
			}
			phases := map[orchestrator.Phase]time.Duration{}
			var down time.Duration
			var rss int64
			b.ResetTimer()
			for range b.N {
				name := livetest.Name(b, fmt.Sprintf("bench%d", n))
				res, err := o.Up(ctx, top, orchestrator.UpOptions{Name: name})
				if err != nil {
					_, _ = o.Down(ctx, name, orchestrator.DownOptions{})
					b.Fatal(err)
				}
				for _, p := range res.Timings {
					phases[p.Phase] += p.Duration
				}
				b.StopTimer()
				if st, err := o.Status(ctx, name, orchestrator.StatusOptions{}); err == nil && len(st.Nodes) > 0 {
					rss = st.Nodes[0].Stats.RSSBytes
				}
				b.StartTimer()
				t0 := time.Now()
				if _, err := o.Down(ctx, name, orchestrator.DownOptions{}); err != nil {
					b.Fatal(err)
				}
				down += time.Since(t0)
			}
			per := func(d time.Duration) float64 { return float64(d.Milliseconds()) / float64(b.N) }
			for _, p := range []orchestrator.Phase{orchestrator.PhaseImage, orchestrator.PhaseNetworks, orchestrator.PhaseContainers, orchestrator.PhaseReady} {
				b.ReportMetric(per(phases[p]), string(p)+"-ms")
			}
			b.ReportMetric(per(down), "down-ms")
			if rss > 0 {
				b.ReportMetric(float64(rss)/(1<<20), "idle-node-MiB")
			}
		})
	}
}
