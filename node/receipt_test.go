package node_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node"
)

func TestNoRouteAtOrigin(t *testing.T) {
	c := startSpec(t, starSpec("tcp", 2))
	c.waitReady()
	for _, receipt := range []bool{true, false} {
		r, err := c.agent("spoke1").Send(context.Background(), "nobody", "x", receipt)
		if err != nil {
			t.Fatal(err)
		}
		if r.Delivered || r.Reason != agent.ReasonNoRoute || r.DroppedAt != "spoke1" {
			t.Errorf("receipt %v: %+v", receipt, r)
		}
	}
	if got := c.agent("spoke1").Stats().Counters.DroppedByReason[agent.ReasonNoRoute]; got != 2 {
		t.Errorf("no_route drops %d, want 2", got)
	}
}

func TestNegativeReceipt(t *testing.T) {
	s := starSpec("udp", 3)
	s.routes = func(n string, r map[string]string) {
		if n == "hub" {
			delete(r, "spoke3")
		}
	}
	c := startSpec(t, s)
	c.waitReady()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := c.agent("spoke1").Send(ctx, "spoke3", "x", true)
	if err != nil {
		t.Fatal(err)
	}
	if r.Delivered || r.Reason != agent.ReasonNoRoute || r.DroppedAt != "hub" {
		t.Fatalf("receipt %+v", r)
	}
	assertPath(t, r.Path, "spoke1", "hub")
}

func TestTTLLoop(t *testing.T) {
	s := p2pSpec("tcp", 2)
	s.routes = func(n string, r map[string]string) {
		if n == "p1" {
			r["ghost"] = "p2"
		} else {
			r["ghost"] = "p1"
		}
	}
	c := startSpec(t, s)
	c.waitReady()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := c.agent("p1").Send(ctx, "ghost", "x", true)
	if err != nil {
		t.Fatal(err)
	}
	if r.Delivered || r.Reason != agent.ReasonTTL || (r.DroppedAt != "p1" && r.DroppedAt != "p2") {
		t.Fatalf("receipt %+v, want a ttl drop at p1 or p2", r)
	}
	eventually(t, 5*time.Second, "a ttl drop", func() bool {
		st := c.stats()
		return st["p1"].Counters.DroppedByReason[agent.ReasonTTL]+st["p2"].Counters.DroppedByReason[agent.ReasonTTL] == 1
	})
	st := c.stats()
	if f := st["p1"].Counters.Forwarded + st["p2"].Counters.Forwarded; f != node.DefaultTTL-2 {
		t.Errorf("forwarded %d times, want %d", f, node.DefaultTTL-2)
	}
}

func TestSendNameTooLong(t *testing.T) {
	c := startSpec(t, p2pSpec("tcp", 2))
	c.waitReady()
	to := strings.Repeat("x", 256)
	if r, err := c.agent("p1").Send(context.Background(), to, "x", true); err == nil {
		t.Fatalf("send to a 256-byte name: %+v, want an error", r)
	}
	if st := c.agent("p1").Stats().Counters; st.Originated != 0 || st.Dropped != 0 {
		t.Errorf("send to a 256-byte name counted: %+v", st)
	}
}

func TestSendToSelf(t *testing.T) {
	c := startSpec(t, p2pSpec("tcp", 2))
	c.waitReady()
	r := c.send("p1", "p1")
	assertPath(t, r.Path, "p1")
}

func TestQueueFullAndLinkDown(t *testing.T) {
	s := p2pSpec("tcp", 2)
	cfgs := s.configs()
	c := startConfigs(t, cfgs, []string{"p1"}, node.WithQueue(2, 50*time.Millisecond))
	a := c.agent("p1")
	eventually(t, 5*time.Second, "p1 running", func() bool {
		_, err := a.Send(context.Background(), "p1", "", false)
		return err == nil
	})
	var reasons []string
	for range 3 {
		r, err := a.Send(context.Background(), "p2", "x", false)
		if err != nil {
			t.Fatal(err)
		}
		reasons = append(reasons, r.Reason)
	}
	if reasons[0] != "" || reasons[1] != "" || reasons[2] != agent.ReasonQueueFull {
		t.Fatalf("reasons %q, want two queued and one queue_full", reasons)
	}
	eventually(t, 5*time.Second, "queued frames to expire", func() bool {
		return a.Stats().Counters.DroppedByReason[agent.ReasonLinkDown] == 2
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := a.Send(ctx, "p2", "x", true)
	if err != nil || r.Delivered || r.Reason != agent.ReasonLinkDown || r.DroppedAt != "p1" {
		t.Fatalf("receipt %+v, %v; want link_down", r, err)
	}
}
