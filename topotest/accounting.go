package topotest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
)

// Accounting is what the nodes' logs say became of every data message the
// agents originated (broadcasts aside, which are delivered at many
// nodes): each should end delivered, or dropped with a reason, exactly
// once. Logs outlive the agents that wrote them (a node stopped, killed
// or restarted), so the accounting covers them too.
type Accounting struct {
	Originated int
	Delivered  int
	Dropped    map[string]int // by reason, net of revoked drops
	// Missing are the "send" events of the messages that neither arrived
	// nor were counted as dropped anywhere.
	Missing []Event
	// Twice are the IDs of messages with more than one outcome.
	Twice []string
}

// Account reads every node's log and settles the books. Call it once the
// topology is at rest (Settle), or messages under way count as missing.
func (top *Topology) Account(t testing.TB) Accounting {
	t.Helper()
	return account(top.Logs(t))
}

func account(events []Event) Accounting {
	sends := map[string]Event{}
	var order []string
	outcomes := map[string]int{}
	acc := Accounting{Dropped: map[string]int{}}
	for _, ev := range events {
		if ev.ID == "" {
			continue
		}
		switch ev.Event {
		case agent.EvSend:
			if ev.Peer != agent.Broadcast {
				if _, seen := sends[ev.ID]; !seen {
					order = append(order, ev.ID)
				}
				sends[ev.ID] = ev
			}
		case agent.EvDeliver:
			outcomes[ev.ID]++
		case agent.EvDrop:
			if _, unicast := ev.Fields["from"]; unicast {
				outcomes[ev.ID]++
			}
		case agent.EvRevoke:
			outcomes[ev.ID]--
		}
	}
	// A second pass counts outcomes by kind, for messages that were sent.
	for _, ev := range events {
		if _, ok := sends[ev.ID]; !ok {
			continue
		}
		switch {
		case ev.Event == agent.EvDeliver:
			acc.Delivered++
		case ev.Event == agent.EvDrop && ev.Fields["from"] != nil:
			acc.Dropped[ev.Reason]++
		case ev.Event == agent.EvRevoke:
			acc.Dropped[ev.Reason]--
		}
	}
	acc.Originated = len(order)
	for _, id := range order {
		switch n := outcomes[id]; {
		case n == 0:
			acc.Missing = append(acc.Missing, sends[id])
		case n > 1:
			acc.Twice = append(acc.Twice, id)
		}
	}
	return acc
}

// String sums the books up for a test's log.
func (a Accounting) String() string {
	return fmt.Sprintf("originated %d, delivered %d, dropped %v, missing %d, counted twice %d",
		a.Originated, a.Delivered, a.Dropped, len(a.Missing), len(a.Twice))
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
	top.Traffic(t, false)
	deadline := time.Now().Add(timeout)
	calm := 0
	for calm < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("topotest: %s not at rest within %v: %v", top.Name, timeout, top.unsettled(t))
		}
		select {
		case <-t.Context().Done():
			t.Fatalf("topotest: settle %s: %v", top.Name, t.Context().Err())
		case <-time.After(500 * time.Millisecond):
		}
		if len(top.unsettled(t)) == 0 {
			calm++
		} else {
			calm = 0
		}
	}
}

// unsettled names the running agents that still hold frames.
func (top *Topology) unsettled(t testing.TB) []string {
	var busy []string
	for _, n := range top.Status(t).Nodes {
		s := n.Stats
		if s.InFlight > 0 || s.QueuedBytes > 0 || s.Outbox > 0 {
			busy = append(busy, fmt.Sprintf("%s (in flight %d, queued %d B, outbox %d)", n.Name, s.InFlight, s.QueuedBytes, s.Outbox))
		}
	}
	return slices.Clip(busy)
}
