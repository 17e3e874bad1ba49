package orchestrator

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator/internal/faults"
)

// agentWait is how long an agent that has just started may take to answer
// on its control socket.
const agentWait = 10 * time.Second

// tellAgents tells the running agents whose link faults differ between had
// and want what want says, from a command in each node.
func (o *Orchestrator) tellAgents(ctx context.Context, l *live, had, want map[string]map[string]agent.LinkFault) error {
	var nodes []engine.ContainerInfo
	for _, n := range slices.Sorted(maps.Keys(want)) {
		c, ok := l.container(n)
		if !ok || !runsAgent(c) || faults.SameFaults(had[n], want[n]) {
			continue
		}
		nodes = append(nodes, c)
	}
	return boundedEach(ctx, DefaultMaxWorkers, nodes, func(ctx context.Context, c engine.ContainerInfo) error {
		n := c.Labels[engine.LabelNode]
		if err := o.execAgent(ctx, c, agent.FaultsCommand(want[n])); err != nil {
			return fmt.Errorf("tell %s of its links' faults: %w", n, err)
		}
		return nil
	})
}

// runsAgent says whether c is a running node with topo's agent in it.
func runsAgent(c engine.ContainerInfo) bool {
	return c.State == "running" && c.Labels[engine.LabelAgent] == "true"
}

// execAgent runs an agent command in a node, again for a while when the
// agent is not listening yet (it has just started).
func (o *Orchestrator) execAgent(ctx context.Context, c engine.ContainerInfo, cmd []string) error {
	deadline := time.Now().Add(agentWait)
	for {
		var out, errOut bytes.Buffer
		code, err := o.rt.Exec(ctx, c.ID, cmd, &out, &errOut)
		if err == nil && code == 0 {
			return nil
		}
		if err != nil {
			return err
		}
		err = o.helperFailed("the agent", strings.Join(cmd, " "), code, errOut.Bytes())
		if code != agent.ExitNoAgent || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
