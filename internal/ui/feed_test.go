package ui

import (
	"context"
	"fmt"
	"strings"
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

// TestFaultLines: the page lists every fault in force, whoever made it,
// and each node that is not running, once.
func TestFaultLines(t *testing.T) {
	for _, tc := range []struct {
		name string
		st   orchestrator.Status
		want string
	}{
		{"none", orchestrator.Status{Nodes: []orchestrator.NodeStatus{{Name: "hub", State: "running"}}}, ""},
		{"a cut link and a stopped node", orchestrator.Status{
			Nodes:  []orchestrator.NodeStatus{{Name: "hub", State: "running"}, {Name: "spoke1", State: "exited"}, {Name: "spoke2", State: "paused"}},
			Faults: []orchestrator.Fault{{Kind: orchestrator.FaultLinkDown, Nodes: []string{"hub", "spoke2"}}},
		}, "link hub–spoke2 down; node spoke1 exited; node spoke2 paused"},
		{"a node fault names its node once", orchestrator.Status{
			Nodes:  []orchestrator.NodeStatus{{Name: "spoke1", State: "exited"}},
			Faults: []orchestrator.Fault{{Kind: orchestrator.FaultNode, Node: "spoke1", State: "exited", Action: "stop", By: "topo"}},
		}, orchestrator.Fault{Kind: orchestrator.FaultNode, Node: "spoke1", State: "exited", Action: "stop", By: "topo"}.String()},
	} {
		if got := strings.Join(faultLines(&tc.st), "; "); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
