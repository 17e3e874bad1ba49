package orchestrator

import (
	"bufio"
	"context"
	"strings"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/topology"
)

// readyStreams bounds the log streams the ready phase follows at once. A
// stream costs the engine a file watch, not a process as an exec does, so
// many can wait together; beyond the engine's file watches it polls.
const readyStreams = 64

// logsReady reports whether up may wait for a node's ready event in its
// log: the agent logs it at info, which an agent told to log only warnings
// or errors does not write. A node's own TOPO_NODE_LOG_LEVEL wins over the
// file's log.level, as it does in the agent.
func logsReady(plan *topology.Plan, n *topology.PlanNode) bool {
	level := plan.LogLevel
	if v := n.Env[agent.LogLevelEnv]; v != "" { // the agent reads an empty one as unset
		level = v
	}
	switch strings.ToLower(level) {
	case "", "debug", "info":
		return true
	}
	return false
}

// anyLogsReady reports whether up waits for some node's ready event in
// its log.
func anyLogsReady(plan *topology.Plan) bool {
	for i := range plan.Nodes {
		if logsReady(plan, &plan.Nodes[i]) {
			return true
		}
	}
	return false
}

// readyLine is how the ready event appears in a log line, a cheap test
// before the line is parsed.
const readyLine = `"event":"` + agent.EvReady + `"`

// awaitReadyEvent follows a node's log until its agent logs the ready
// event, and reports whether it did before ctx ended or the log did (the
// container stopped, or its log cannot be read). The caller then asks the
// agent itself, which also says which links are down.
func (o *Orchestrator) awaitReadyEvent(ctx context.Context, container string) bool {
	rc, err := o.rt.Logs(ctx, container, engine.LogOptions{Follow: true})
	if err != nil {
		return false
	}
	defer rc.Close()
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.Contains(line, readyLine) && agent.ParseEvent("", line).Event == agent.EvReady {
			return true
		}
	}
	return false
}

// readyDeadline is when a node's wait for its ready event ends: early
// enough before ctx's own deadline that asking the agent, which says what
// is still down, fits in what is left.
func readyDeadline(ctx context.Context) time.Time {
	d, _ := ctx.Deadline() // waitReady sees that there is one
	return d.Add(-readyMargin)
}

// readyWait is how long a node may take to get ready when up has no
// deadline.
const readyWait = time.Minute
