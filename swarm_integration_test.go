package topo_test

import (
	"context"
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo"
	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// sameFileCase is a topology file and a message across it.
type sameFileCase struct {
	file     string
	from, to string
	path     []string
}

var sameFileCases = []sameFileCase{
	{"testdata/star4.yaml", "spoke1", "spoke3", []string{"spoke1", "hub", "spoke3"}},
	{"testdata/ring4.yaml", "node1", "node3", []string{"node1", "node2", "node3"}},
}

// TestIntegrationSameFileOnDockerAndSwarm runs the same files through the
// same checks on one Docker engine and on a single-node swarm made of it:
// every node ready, each at an address inside its segments' subnets, a
// message across with its receipt, the events of its way in the merged
// logs, and nothing left after down.
func TestIntegrationSameFileOnDockerAndSwarm(t *testing.T) {
	for _, eng := range []string{topo.EngineDocker, topo.EngineSwarm} {
		t.Run(eng, func(t *testing.T) {
			if eng == topo.EngineSwarm {
				livetest.Swarm(t) // first, so that it is left last
			} else {
				livetest.Require(t)
			}
			o, closeFn, err := topo.Open(context.Background(), topo.Options{Engine: eng})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(closeFn)
			for _, c := range sameFileCases {
				t.Run(strings.TrimSuffix(strings.TrimPrefix(c.file, "testdata/"), ".yaml"), func(t *testing.T) {
					checkSameFile(t, o, eng, c)
				})
			}
		})
	}
}

func checkSameFile(t *testing.T, o *orchestrator.Orchestrator, eng string, c sameFileCase) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	top, err := topology.Load(c.file)
	if err != nil {
		t.Fatal(err)
	}
	name := livetest.Name(t, eng[:2])
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if _, err := o.Down(ctx, name, orchestrator.DownOptions{}); err != nil {
			t.Errorf("down: %v", err)
		}
		if left := livetest.Leftovers(t, o, name); len(left) > 0 {
			t.Errorf("left after down: %v", left)
		}
	})
	res, err := o.Up(ctx, top, orchestrator.UpOptions{Name: name})
	if err != nil {
		t.Fatalf("up: %v", err)
	}
	if got := len(res.Notices) > 0; got != (eng == topo.EngineSwarm) {
		t.Errorf("notices on %s: %q", eng, res.Notices)
	}
	checkReady(t, ctx, o, name, len(top.Nodes))
	r, err := o.Send(ctx, name, orchestrator.SendOptions{From: c.from, To: c.to, Text: "across " + eng})
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	if !r.Delivered || !slices.Equal(r.Path, c.path) {
		t.Fatalf("receipt %+v, want delivered along %v", r, c.path)
	}
	checkWayInLogs(t, ctx, o, name, r, c.to)

	// A restarted node (on a swarm: a new task, at a new address) is
	// dialled again by its neighbours, and the message goes across again.
	if err := o.NodeAction(ctx, name, orchestrator.NodeActionOptions{Action: engine.ActionRestart, Nodes: []string{c.to}}); err != nil {
		t.Fatalf("restart %s: %v", c.to, err)
	}
	waitAllReady(t, ctx, o, name)
	checkReady(t, ctx, o, name, len(top.Nodes))
	if r, err := o.Send(ctx, name, orchestrator.SendOptions{From: c.from, To: c.to, Text: "again"}); err != nil || !r.Delivered {
		t.Fatalf("send after restart: %+v, %v", r, err)
	}
}

// waitAllReady waits until every node of a topology says it is ready, or
// ctx ends.
func waitAllReady(t *testing.T, ctx context.Context, o *orchestrator.Orchestrator, name string) {
	t.Helper()
	for {
		st, err := o.Status(ctx, name, orchestrator.StatusOptions{})
		if err == nil && !slices.ContainsFunc(st.Nodes, func(n orchestrator.NodeStatus) bool { return !n.Ready }) {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("not all ready: %v, %v", st, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// checkReady checks that every node runs, is ready, and has an address
// inside each of its segments' subnets.
func checkReady(t *testing.T, ctx context.Context, o *orchestrator.Orchestrator, name string, nodes int) {
	t.Helper()
	st, err := o.Status(ctx, name, orchestrator.StatusOptions{})
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	if len(st.Nodes) != nodes {
		t.Fatalf("status has %d nodes, want %d", len(st.Nodes), nodes)
	}
	subnets := map[string]netip.Prefix{}
	for _, s := range st.Segments {
		subnets[s.Name] = netip.MustParsePrefix(s.Subnet)
	}
	for _, n := range st.Nodes {
		if n.State != "running" || !n.Ready || n.Error != "" {
			t.Errorf("node %s: %s, ready %v, %s", n.Name, n.State, n.Ready, n.Error)
		}
		for seg, a := range n.Addresses {
			if ip, err := netip.ParseAddr(a); err != nil || !subnets[seg].Contains(ip) {
				t.Errorf("node %s on %s: address %q outside %s", n.Name, seg, a, subnets[seg])
			}
		}
	}
}

// checkWayInLogs checks that the merged logs show the message delivered
// at its destination.
func checkWayInLogs(t *testing.T, ctx context.Context, o *orchestrator.Orchestrator, name string, r *agent.Receipt, to string) {
	t.Helper()
	var seen []string
	err := o.Logs(ctx, name, orchestrator.LogsOptions{ID: r.ID}, func(l orchestrator.LogLine) error {
		var ev struct {
			Event string `json:"event"`
		}
		_ = json.Unmarshal([]byte(l.Text), &ev)
		seen = append(seen, l.Node+":"+ev.Event)
		return nil
	})
	if err != nil {
		t.Fatalf("logs: %v", err)
	}
	if !slices.Contains(seen, to+":"+agent.EvDeliver) {
		t.Errorf("logs of message %s: %v, want %s:%s", r.ID, seen, to, agent.EvDeliver)
	}
}
