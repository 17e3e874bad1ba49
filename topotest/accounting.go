package topotest

import (
	"context"
	"testing"
	"time"

	"github.com/topo-dev/topo/orchestrator"
)

// Accounting is what the nodes' logs say became of every data message the
// agents originated: each should end delivered, or dropped with a reason,
// exactly once (orchestrator.Accounting).
type Accounting = orchestrator.Accounting

// Account reads every node's log and settles the books. Call it once the
// topology is at rest (Settle), or messages under way count as missing.
func (top *Topology) Account(t testing.TB) Accounting {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	acc, err := top.o.Account(ctx, top.Name)
	if err != nil {
		t.Fatalf("topotest: %v", err)
	}
	return acc
}

// Traffic turns the agents' background traffic on or off.
func (top *Topology) Traffic(t testing.TB, on bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if _, err := top.o.Traffic(ctx, top.Name, on); err != nil {
		t.Fatalf("topotest: %v", err)
	}
}

// Settle brings the topology to rest: it turns the background traffic off
// and waits until no running agent has a frame in flight, queued, or
// waiting for a ring's token, twice in a row. It fails the test after
// timeout.
func (top *Topology) Settle(t testing.TB, timeout time.Duration) {
	t.Helper()
	if err := top.o.Settle(t.Context(), top.Name, timeout); err != nil {
		t.Fatalf("topotest: %v", err)
	}
}
