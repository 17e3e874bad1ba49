package orchestrator_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

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

// A message whose receipt did not come back is reported as the nodes'
// logs know it: delivered when the destination logged its delivery (the
// receipt was lost), dropped where a node logged its drop, else unknown;
// never a false "not delivered".
func TestSendReceiptLost(t *testing.T) {
	const (
		deliver = `{"event":"deliver","node":"spoke3","peer":"spoke1","id":"00000000000000ab","path":["spoke1","hub","spoke3"]}`
		other   = `{"event":"deliver","node":"spoke3","peer":"spoke2","id":"00000000000000ab","path":["spoke2","hub","spoke3"]}`
		drop    = `{"event":"drop","node":"hub","id":"00000000000000ab","reason":"link_down","from":"spoke1","to":"spoke3","path":["spoke1","hub"]}`
		revoke  = `{"event":"revoke","node":"hub","id":"00000000000000ab"}`
	)
	timeout := `{"id":"00000000000000ab","from":"spoke1","to":"spoke3","delivered":false,"path":[],"rtt_ms":0,"reason":"timeout"}`
	for _, tc := range []struct {
		name string
		logs map[string]string // by node
		want agent.Receipt
	}{
		{"delivered", map[string]string{"spoke3": deliver},
			agent.Receipt{Delivered: true, ReceiptLost: true, Path: []string{"spoke1", "hub", "spoke3"}}},
		{"dropped", map[string]string{"hub": drop},
			agent.Receipt{ReceiptLost: true, Reason: agent.ReasonLinkDown, DroppedAt: "hub", Path: []string{"spoke1", "hub"}}},
		{"dropped, then delivered after all", map[string]string{"hub": drop, "spoke3": deliver},
			agent.Receipt{Delivered: true, ReceiptLost: true, Path: []string{"spoke1", "hub", "spoke3"}}},
		{"a drop taken back", map[string]string{"hub": drop + "\n" + revoke},
			agent.Receipt{Unknown: true, Reason: agent.ReasonTimeout}},
		{"another origin's message of that id", map[string]string{"spoke3": other},
			agent.Receipt{Unknown: true, Reason: agent.ReasonTimeout}},
		{"no word of it", nil, agent.Receipt{Unknown: true, Reason: agent.ReasonTimeout}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			o := fakeOrchestrator(f)
			ctx := context.Background()
			if _, err := o.Up(ctx, load(t, "../topologies/star.yaml"), orchestrator.UpOptions{}); err != nil {
				t.Fatal(err)
			}
			f.mu.Lock()
			f.sendOut = timeout
			for _, c := range f.containers {
				if l, ok := tc.logs[c.Labels[engine.LabelNode]]; ok {
					f.logs[c.ID] = l + "\n"
				}
			}
			f.mu.Unlock()
			r, err := o.Send(ctx, "star", orchestrator.SendOptions{From: "spoke1", To: "spoke3", Text: "x", Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			w := tc.want
			if r.Delivered != w.Delivered || r.ReceiptLost != w.ReceiptLost || r.Unknown != w.Unknown || r.Reason != w.Reason ||
				r.DroppedAt != w.DroppedAt || !slices.Equal(r.Path, w.Path) && len(w.Path) > 0 || r.WaitedMs != 5000 {
				t.Errorf("receipt %+v, want %+v, waited 5000 ms", *r, w)
			}
		})
	}
}
