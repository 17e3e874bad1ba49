package orchestrator_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
)

// TestExecAgent: an agent command runs in the node when it runs topo's
// agent, and, for a node running a user's own image (which need not hold
// the agent), in a helper from the node image that joins the node's
// network namespace as nobody with no capability.
func TestExecAgent(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	top := parse(t, "name: mixed\nlayout: star\nnodes:\n  - hub\n  - {name: app, image: \"mine:1\"}\n  - spoke\n")
	if _, err := o.Up(ctx, top, orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	app, err := f.ContainerByName(ctx, "mixed-app")
	if err != nil {
		t.Fatal(err)
	}
	dial := agent.DialCommand("10.0.0.1:7000", time.Second)
	for _, tc := range []struct {
		node   string
		code   int // the fake's agent knows no dial (127); its helpers exit 0
		helper bool
	}{
		{"hub", 127, false},
		{"app", 0, true},
	} {
		before := len(f.helpers)
		code, err := o.ExecAgent(ctx, "mixed", orchestrator.ExecOptions{Node: tc.node, Cmd: dial})
		if err != nil || code != tc.code {
			t.Errorf("%s: ExecAgent = %d, %v; want %d", tc.node, code, err, tc.code)
		}
		ran := f.helpers[before:]
		if !tc.helper {
			if len(ran) != 0 {
				t.Errorf("%s runs the agent, yet a helper ran: %+v", tc.node, ran)
			}
			continue
		}
		if len(ran) != 1 {
			t.Fatalf("%s: %d helpers ran, want 1", tc.node, len(ran))
		}
		h := ran[0]
		if h.JoinNetworkOf != app.ID || h.Image != "topo-node:fake" || !slices.Equal(h.Cmd, dial[1:]) || h.User != "65534:65534" ||
			len(h.CapAdd) != 0 || !slices.Equal(h.CapDrop, []string{"ALL"}) || !h.NoNewPrivileges || h.Labels[engine.LabelHelper] != "mixed" {
			t.Errorf("the helper of %s: %+v", tc.node, h)
		}
	}
}

// TestExecAgentWithoutHelpers: on an engine that runs no helpers (a swarm),
// an agent command from a node running its own image is refused as
// unsupported, with no helper tried.
func TestExecAgentWithoutHelpers(t *testing.T) {
	f, o := swarmOrchestrator()
	ctx := context.Background()
	top := parse(t, "name: mixed\nlayout: star\nnodes:\n  - hub\n  - {name: app, image: \"mine:1\"}\n")
	if _, err := o.Up(ctx, top, orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := o.ExecAgent(ctx, "mixed", orchestrator.ExecOptions{Node: "app", Cmd: agent.DialCommand("hub:7000", time.Second)})
	if !errors.Is(err, engine.ErrUnsupported) || len(f.helpers) != 0 {
		t.Errorf("ExecAgent from app on a swarm: %v, helpers %v; want ErrUnsupported and none", err, f.helpers)
	}
}
