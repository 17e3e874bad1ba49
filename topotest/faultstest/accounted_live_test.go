package faultstest_test

import (
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/topotest"
)

// TestIntegrationFaultsAccounted runs topo's own faults on a bus under
// background traffic: a link down, a partition, runtime loss and delay, a
// node killed. After each, the topology comes to rest and the books must
// balance: every message delivered or dropped once, with the fault's
// reason among the drops (link_down, partition, loss, node_down).
func TestIntegrationFaultsAccounted(t *testing.T) {
	t.Parallel()
	top := up(t, "bus.yaml", "books-bus", topotest.WithInterval(100*time.Millisecond))
	var killedAt time.Time
	for _, sc := range []struct {
		name, reason string
		do, undo     func()
	}{
		{"link down", agent.ReasonLinkDown, func() { top.LinkDown(t, "alpha", "bravo") }, func() { top.LinkUp(t, "alpha", "bravo") }},
		{"partition", agent.ReasonPartition, func() { top.Partition(t, []string{"alpha", "bravo"}) }, func() { top.Heal(t) }},
		{"loss", agent.ReasonLoss, func() { top.Impair(t, "alpha", "charlie", topotest.Impairment{LossPercent: 50}) },
			func() { top.Impair(t, "alpha", "charlie", topotest.Impairment{}) }},
		{"kill", agent.ReasonNodeDown, func() { nodeAction(t, top, engine.ActionKill, "delta"); killedAt = time.Now() },
			func() { top.StartNode(t, "delta") }},
	} {
		top.Traffic(t, true)
		time.Sleep(time.Second)
		sc.do()
		time.Sleep(3 * time.Second)
		sc.undo()
		eventually(t, "every link up after "+sc.name, func() bool { return allReady(t, top) })
		top.Settle(t, time.Minute)
		acc := top.Account(t)
		t.Logf("after %s: %v", sc.name, acc)
		if acc.Dropped[sc.reason] == 0 {
			t.Errorf("after %s: no message dropped as %s: %v", sc.name, sc.reason, acc.Dropped)
		}
		for _, ev := range acc.Missing {
			if ev.Node == "delta" && ev.Time.Before(killedAt) && killedAt.Sub(ev.Time) < 3*time.Second {
				continue // queued in delta when it was killed
			}
			t.Errorf("after %s: message %s from %s to %s neither delivered nor dropped", sc.name, ev.ID, ev.Node, ev.Peer)
		}
		if len(acc.Twice) > 0 {
			t.Errorf("after %s: counted twice: %v", sc.name, acc.Twice)
		}
	}
}
