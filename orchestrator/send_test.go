package orchestrator_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
)

// Send refuses a destination that is not a node before sending anything,
// and answers node_down at once for one whose container is not running.
func TestSendChecksTheDestination(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	if _, err := o.Up(ctx, load(t, "../topologies/star.yaml"), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	send := func(from, to string) (*agent.Receipt, error) {
		return o.Send(ctx, "star", orchestrator.SendOptions{From: from, To: to, Text: "x"})
	}
	if r, err := send("spoke1", "spoke3"); err != nil || !r.Delivered {
		t.Fatalf("send to a running node: %+v, %v", r, err)
	}
	for _, tc := range []struct{ from, to string }{{"spoke1", "nosuch"}, {"nosuch", "spoke1"}} {
		_, err := send(tc.from, tc.to)
		if !errors.Is(err, orchestrator.ErrNoNode) || !strings.Contains(err.Error(), "its nodes are hub, spoke1") {
			t.Errorf("%s → %s: %v, want ErrNoNode listing the nodes", tc.from, tc.to, err)
		}
	}
	f.mu.Lock()
	for _, c := range f.containers {
		if c.Labels[engine.LabelNode] == "spoke3" {
			c.State = "exited"
		}
	}
	f.mu.Unlock()
	r, err := send("spoke1", "spoke3")
	if err != nil || r.Delivered || r.Reason != agent.ReasonNodeDown || r.Path == nil {
		t.Errorf("send to a stopped node: %+v, %v; want reason node_down", r, err)
	}
	if f.sends != 1 {
		t.Errorf("%d sends reached an agent, want only the first", f.sends)
	}
}

// A burst reaches the agent as send --count, with the burst's own
// default timeout; one that cannot be sent is refused before any exec.
func TestSendBurst(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	if _, err := o.Up(ctx, load(t, "../topologies/star.yaml"), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Send(ctx, "star", orchestrator.SendOptions{From: "spoke1", To: "spoke3", Text: "x", Count: 500}); err != nil {
		t.Fatal(err)
	}
	want := agent.BurstCommand("spoke3", "x", 500, agent.DefaultBurstTimeout)
	if got := f.sendCmds[len(f.sendCmds)-1]; !slices.Equal(got, want) {
		t.Errorf("ran %q, want %q", got, want)
	}
	for _, tc := range []struct {
		opts orchestrator.SendOptions
		want string
	}{
		{orchestrator.SendOptions{From: "spoke1", To: "*", Text: "x", Count: 2}, "not to every node"},
		{orchestrator.SendOptions{From: "spoke1", To: "spoke3", Text: "x", Count: agent.MaxBurst + 1}, "send 1 to"},
	} {
		before := f.sends
		if _, err := o.Send(ctx, "star", tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.opts, err, tc.want)
		}
		if f.sends != before {
			t.Errorf("%+v: refused, yet sent", tc.opts)
		}
	}
}
