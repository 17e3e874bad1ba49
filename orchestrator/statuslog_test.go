package orchestrator_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
)

// statsLine is a stats event as the engine returns it, stamped.
func statsLine(t *testing.T, node string, at time.Time, sum agent.StatsSummary) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"time": at.Format(time.RFC3339Nano), "level": "INFO", "msg": "stats",
		"node": node, "event": agent.EvStats, "stats": sum})
	if err != nil {
		t.Fatal(err)
	}
	return at.Format(time.RFC3339Nano) + " " + string(b) + "\n"
}

// In a large topology status reads each agent's latest stats event from
// its log; an agent whose event is missing or stale is asked, as in a
// small topology, where every agent is asked.
func TestStatusFromStatsEvents(t *testing.T) {
	for _, tc := range []struct {
		nodes     int
		wantExecs int
	}{{agent.StatsNodes, 2}, {agent.StatsNodes - 1, agent.StatsNodes - 1}} {
		t.Run(fmt.Sprintf("bus of %d", tc.nodes), func(t *testing.T) {
			f := newFake()
			o := fakeOrchestrator(f)
			ctx := context.Background()
			src := fmt.Sprintf("name: sl\nlayout: bus\nnodes: %d\n", tc.nodes)
			if _, err := o.Up(ctx, loadText(t, src), orchestrator.UpOptions{}); err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			sum := agent.StatsSummary{Ready: true, Counters: agent.Counters{Originated: 9}, Links: []string{"x", "y"}, Down: []string{"y"}}
			f.mu.Lock()
			for id, c := range f.containers {
				switch c.Labels[engine.LabelNode] {
				case "node1": // no event
				case "node2":
					f.logs[id] = statsLine(t, "node2", now.Add(-time.Minute), sum) // stale
				default:
					f.logs[id] = statsLine(t, c.Labels[engine.LabelNode], now.Add(-20*time.Second), agent.StatsSummary{}) +
						statsLine(t, c.Labels[engine.LabelNode], now.Add(-time.Second), sum)
				}
			}
			f.mu.Unlock()
			st, err := o.Status(ctx, "sl", orchestrator.StatusOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if f.statsExecs != tc.wantExecs {
				t.Errorf("asked %d agents, want %d", f.statsExecs, tc.wantExecs)
			}
			n := st.Nodes[2]
			fromLog := tc.nodes >= agent.StatsNodes
			if fromLog && (n.StatsAt.IsZero() || n.Stats.Originated != 9 || len(n.Links) != 2 || n.Links[1].State != "down") {
				t.Errorf("node3 from its log: %+v", n)
			}
			if !fromLog && !n.StatsAt.IsZero() {
				t.Errorf("node3 of a small topology read from its log: %+v", n)
			}
			if !st.Nodes[0].StatsAt.IsZero() || !st.Nodes[1].StatsAt.IsZero() {
				t.Errorf("nodes without a fresh event read from their logs: %+v", st.Nodes[:2])
			}
		})
	}
}

// Stats events are for status: `topo logs` leaves them out unless asked
// for them by name.
func TestLogsLeaveOutStatsEvents(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	if _, err := o.Up(ctx, loadText(t, "name: lo\nlayout: p2p\nnodes: 2\n"), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	f.mu.Lock()
	for id, c := range f.containers {
		if c.Labels[engine.LabelNode] == "peer1" {
			f.logs[id] = statsLine(t, "peer1", now, agent.StatsSummary{}) +
				now.Format(time.RFC3339Nano) + ` {"level":"INFO","msg":"delivered","node":"peer1","event":"deliver","id":"1"}` + "\n"
		}
	}
	f.mu.Unlock()
	for _, tc := range []struct {
		events []string
		want   string
	}{{nil, agent.EvDeliver}, {[]string{agent.EvStats}, agent.EvStats}} {
		var got []string
		err := o.Logs(ctx, "lo", orchestrator.LogsOptions{Events: tc.events}, func(l orchestrator.LogLine) error {
			got = append(got, agent.ParseEvent(l.Node, l.Text).Event)
			return nil
		})
		if err != nil || len(got) != 1 || got[0] != tc.want {
			t.Errorf("logs %v: %v (%v), want only %s", tc.events, got, err, tc.want)
		}
	}
}

// A long list of removal failures is cut to its first line and a count,
// and the errors it holds are still found.
func TestDownErrorsCut(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	if _, err := o.Up(ctx, loadText(t, "name: cut\nlayout: star\nnodes: 4\n"), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	f.failRemove = func(string) error { return fmt.Errorf("remove: %w", engine.ErrConflict) }
	_, err := o.Down(ctx, "cut", orchestrator.DownOptions{})
	if err == nil || err.Error() != "down cut: remove: conflict, and 6 more" || !errors.Is(err, engine.ErrConflict) {
		t.Errorf("down = %v", err)
	}
}
