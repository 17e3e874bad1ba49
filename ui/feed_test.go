package ui

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/topo-dev/topo/orchestrator"
)

// quietSource never logs and never has a status.
type quietSource struct{}

func (quietSource) Logs(ctx context.Context, _ string, _ orchestrator.LogsOptions, _ func(orchestrator.LogLine) error) error {
	<-ctx.Done()
	return ctx.Err()
}

func (quietSource) Status(context.Context, string, orchestrator.StatusOptions) (*orchestrator.Status, error) {
	return nil, fmt.Errorf("no status")
}

// TestFeedBoundsASlowPage: a page that never reads costs its buffer and
// no more; what does not fit is counted as missed, while a page that
// reads gets everything; the last page to leave stops the feed.
func TestFeedBoundsASlowPage(t *testing.T) {
	f := startFeed(quietSource{}, "t", newModel(plan(t, "layout: ring\nnodes: 3\n")))
	stuck, missed, ok := f.subscribe()
	reader, _, ok2 := f.subscribe()
	if !ok || !ok2 {
		t.Fatal("subscribe refused")
	}
	// In rounds of a buffer's worth, each read before the next: the reader
	// keeps up, the stuck page does not.
	for round := range 3 {
		for range subBuffer {
			f.publish("anim", Anim{Kind: AnimToken, From: "node1", To: "node2"})
		}
		for i := range subBuffer {
			select {
			case <-reader:
			case <-time.After(5 * time.Second):
				t.Fatalf("round %d: the reading page got %d of %d", round, i, subBuffer)
			}
		}
	}
	if len(stuck) != subBuffer {
		t.Errorf("the stuck page holds %d messages, want its buffer, %d", len(stuck), subBuffer)
	}
	if n := missed(); n < 2*subBuffer {
		t.Errorf("the stuck page missed %d, want at least %d", n, 2*subBuffer)
	}
	if f.unsubscribe(stuck) || !f.unsubscribe(reader) {
		t.Error("the feed must stop when its last page leaves, not before")
	}
	if _, _, ok := f.subscribe(); ok {
		t.Error("a stopped feed took a page")
	}
}
