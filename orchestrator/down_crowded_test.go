package orchestrator_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// Down removes the members of a shared segment one at a time, and
// containers that share only a link of two side by side.
func TestDownRemovesASegmentsMembersOneAtATime(t *testing.T) {
	for _, tc := range []struct {
		src         string
		wantOverlap bool
	}{
		{"name: b\nlayout: bus\nnodes: 12\n", false},
		{"name: r\nlayout: ring\nnodes: 12\n", true},
	} {
		top, err := topology.Parse("t.yaml", []byte(tc.src))
		if err != nil {
			t.Fatal(err)
		}
		f := newFake()
		o := fakeOrchestrator(f)
		ctx := context.Background()
		if _, err := o.Up(ctx, top, orchestrator.UpOptions{}); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		inFlight, most := map[string]int{}, 0
		f.failRemove = func(id string) error {
			f.mu.Lock()
			var nets []string
			for key, c := range f.containers {
				if key == id || c.Name == id {
					for n := range c.Networks {
						nets = append(nets, n)
					}
				}
			}
			f.mu.Unlock()
			mu.Lock()
			for _, n := range nets {
				inFlight[n]++
				most = max(most, inFlight[n])
			}
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
			mu.Lock()
			for _, n := range nets {
				inFlight[n]--
			}
			mu.Unlock()
			return nil
		}
		if _, err := o.Down(ctx, top.Name, orchestrator.DownOptions{MaxWorkers: 8}); err != nil {
			t.Fatal(err)
		}
		if overlap := most > 1; overlap != tc.wantOverlap {
			t.Errorf("%s: at most %d removals at once on one network; want overlap %v", top.Layout, most, tc.wantOverlap)
		}
	}
}
