package orchestrator

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/topology"
)

// ready waits until every node of the plan is ready, saying meanwhile
// which it still waits for.
func (u *upRun) ready(ctx context.Context) error {
	plan := u.d.Plan
	w := u.watchReady(ctx, nodeNames(plan))
	defer w.stop()
	return u.forEachLimit(ctx, PhaseReady, nodeNames(plan), u.readyLimit(anyLogsReady(plan)), func(ctx context.Context, n string) error {
		pn, _ := plan.Node(n)
		err := u.o.waitReady(ctx, engine.ContainerName(u.name, n), pn.Image != "", logsReady(plan, pn))
		w.done(n)
		return err
	})
}

// readyLimit is how many nodes the ready phase waits for at once: as
// many as it may follow logs of, or as many execs as other engine calls.
func (u *upRun) readyLimit(byLog bool) int {
	if byLog {
		return max(u.opts.MaxWorkers, readyStreams)
	}
	return u.opts.MaxWorkers
}

// readyMargin is how much earlier than Up's deadline a node's ready wait ends.
const readyMargin = 2 * time.Second

// readyWait is how long a node may take to get ready when up has no
// deadline.
const readyWait = time.Minute

// waitReady waits until a node reports every link up: byLog, by the
// ready event in its log, then (when that did not come) by asking its
// agent, which waits for what is left of the time and says which links
// are down. A user's own image has no agent to ask, so running is as
// ready as it gets.
func (o *Orchestrator) waitReady(ctx context.Context, container string, userImage, byLog bool) error {
	if userImage {
		c, err := o.rt.ContainerByName(ctx, container)
		if err != nil {
			return err
		}
		if c.State != "running" {
			return fmt.Errorf("node %s is %s, not running; see `docker logs %s`", container, c.State, container)
		}
		return nil
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, readyWait+readyMargin)
		defer cancel()
	}
	if byLog {
		lctx, cancel := context.WithDeadline(ctx, readyDeadline(ctx))
		ok := o.awaitReadyEvent(lctx, container)
		cancel()
		if ok {
			return nil
		}
	}
	// The agent waits a little less than we do, so that when time runs out
	// its answer (which links are down) arrives before our deadline.
	d, _ := ctx.Deadline()
	wait := max(time.Until(d)-readyMargin, 100*time.Millisecond)
	var out, errOut bytes.Buffer
	code, err := o.rt.Exec(ctx, container, agent.ReadyCommand(wait), &out, &errOut)
	if err != nil {
		return fmt.Errorf("node %s: ready: %w", container, err)
	}
	if code != 0 {
		msg := strings.TrimSpace(errOut.String() + " " + out.String())
		return fmt.Errorf("node %s is not ready: %s", container, msg)
	}
	return nil
}

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
