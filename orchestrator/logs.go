package orchestrator

import (
	"bufio"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
)

// LogsOptions select the log lines Logs returns.
type LogsOptions struct {
	Nodes  []string // empty: every node
	Follow bool     // keep streaming until ctx ends
	// Tail is how many lines per node, from the end: TailAll (0) for all of
	// them, TailNone for none (docker logs --tail 0: with Follow, only new
	// lines). With a filter and without Follow it counts the lines that match.
	Tail  int
	Since time.Time // zero: from the start
	// ID and Events keep only the agent's events with that message id and
	// one of those event names. Lines that are not the agent's events (a
	// user's own image) have neither, so a filter leaves them out.
	ID     string
	Events []string
}

// Tail values of LogsOptions.
const (
	TailAll  = 0
	TailNone = -1
)

// LogLine is one line a node wrote.
type LogLine struct {
	Node string
	// Time is the time the line carries: the agent's own "time" field, or
	// for a line that has none (not the agent's), Received.
	Time     time.Time
	Received time.Time // when the engine received it
	Text     string    // the line as the node wrote it (JSON for the agent)
}

// filtered says whether the options filter lines by their fields.
func (opts LogsOptions) filtered() bool { return opts.ID != "" || len(opts.Events) > 0 }

// keep says whether a parsed line passes the options' filters.
func (opts LogsOptions) keep(ev agent.Event) bool {
	if opts.ID != "" && ev.ID != opts.ID {
		return false
	}
	if len(opts.Events) == 0 {
		return ev.Event != agent.EvStats // for status, not people; asked for by name
	}
	return slices.Contains(opts.Events, ev.Event)
}

// engineOptions are the engine's log options for these. Without Follow a
// filter reads every line, so that the tail counts the lines that match.
func (opts LogsOptions) engineOptions() engine.LogOptions {
	ro := engine.LogOptions{Follow: opts.Follow, Since: opts.Since, Timestamps: true}
	switch {
	case opts.Tail < 0:
		ro.Tail = "0"
	case opts.Tail > 0 && (opts.Follow || !opts.filtered()):
		ro.Tail = strconv.Itoa(opts.Tail)
	}
	return ro
}

// Logs calls emit with the log lines of a topology's nodes, merged in time
// order. With Follow it goes on until ctx ends, holding each line back for
// a moment (followWindow) so that lines of different nodes that arrive out
// of order still come out in order. emit is never called concurrently.
func (o *Orchestrator) Logs(ctx context.Context, name string, opts LogsOptions, emit func(LogLine) error) error {
	if err := needName(name); err != nil {
		return fmt.Errorf("logs: %w", err)
	}
	cs, err := o.rt.ListContainers(ctx, map[string]string{engine.LabelTopology: name})
	if err != nil {
		return fmt.Errorf("logs %s: %w", name, err)
	}
	if len(cs) == 0 {
		return fmt.Errorf("logs %s: %w; `topo ls` lists the running ones", name, ErrNoTopology)
	}
	sortByOrder(cs, func(c engine.ContainerInfo) map[string]string { return c.Labels })
	// The steps of a fault schedule log under the node "faults".
	events, err := o.rt.ListContainers(ctx, map[string]string{engine.LabelHelper: name, engine.LabelEvent: ""})
	if err != nil {
		return fmt.Errorf("logs %s: %w", name, err)
	}
	cs = append(cs, events...)
	var picked []engine.ContainerInfo
	for _, want := range opts.Nodes {
		n := len(picked)
		for _, c := range cs {
			if c.Labels[engine.LabelNode] == want {
				picked = append(picked, c)
			}
		}
		if len(picked) == n {
			return fmt.Errorf("logs %s: %w %q; the nodes are %s", name, ErrNoNode, clipEcho(want), strings.Join(slices.Compact(nodeLabels(cs)), ", "))
		}
	}
	if len(opts.Nodes) == 0 {
		picked = cs
	}
	if picked, err = o.readable(picked); err != nil {
		return fmt.Errorf("logs %s: %w", name, err)
	}

	ro := opts.engineOptions()
	keep := opts.keep
	if opts.Follow {
		return o.follow(ctx, name, picked, len(opts.Nodes) == 0, ro, keep, emit)
	}

	var mu sync.Mutex
	byNode := map[string][]LogLine{}
	err = boundedEach(ctx, DefaultMaxWorkers, picked, func(ctx context.Context, c engine.ContainerInfo) error {
		var mine []LogLine
		err := o.readLogs(ctx, c, ro, keep, func(l LogLine) error {
			mine = append(mine, l)
			return nil
		})
		if opts.Tail > 0 && ro.Tail == "" { // filtered: the tail of what matched
			mine = mine[max(len(mine)-opts.Tail, 0):]
		}
		mu.Lock()
		defer mu.Unlock()
		byNode[c.ID] = mine
		return err
	})
	if err != nil {
		return fmt.Errorf("logs %s: %w", name, err)
	}
	var all []LogLine
	for _, c := range picked { // lines of the same time in the plan's node order
		all = append(all, byNode[c.ID]...)
	}
	sortLines(all)
	for _, l := range all {
		if err := emit(l); err != nil {
			return err
		}
	}
	return nil
}

func sortLines(ls []LogLine) {
	slices.SortStableFunc(ls, func(a, b LogLine) int { return a.Time.Compare(b.Time) })
}

// readLogs reads one container's log and emits the lines keep accepts,
// each stamped with the agent's own time where it has one: the time that is
// printed is the time lines are ordered by.
func (o *Orchestrator) readLogs(ctx context.Context, c engine.ContainerInfo, ro engine.LogOptions, keep func(agent.Event) bool, emit func(LogLine) error) error {
	rc, err := o.rt.Logs(ctx, c.ID, ro)
	if err != nil {
		return fmt.Errorf("%s: %w", c.Name, err)
	}
	defer rc.Close()
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	node := c.Labels[engine.LabelNode]
	for sc.Scan() {
		ts, text, _ := strings.Cut(sc.Text(), " ")
		received, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			text = sc.Text() // not stamped: keep the whole line
		}
		ev := agent.ParseEvent(node, text)
		if !keep(ev) {
			continue
		}
		l := LogLine{Node: node, Time: ev.Time, Received: received, Text: text}
		if l.Time.IsZero() {
			l.Time = received
		}
		if err := emit(l); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("%s: %w", c.Name, err)
	}
	return nil
}

// readable leaves out the nodes whose host is down, with a warning each:
// their logs are on that host, which the manager of a swarm cannot reach
// (it answered at once, without an error, in the live test: the reader
// would not know what it missed). Only such nodes is an error.
func (o *Orchestrator) readable(cs []engine.ContainerInfo) ([]engine.ContainerInfo, error) {
	var lost []string
	out := slices.DeleteFunc(slices.Clone(cs), func(c engine.ContainerInfo) bool {
		if c.HostDown {
			lost = append(lost, c.Labels[engine.LabelNode])
			o.log.Warn("log not read: the node's host is down", "node", c.Labels[engine.LabelNode], "host", c.Host)
		}
		return c.HostDown
	})
	if len(out) == 0 && len(lost) > 0 {
		return nil, fmt.Errorf("%s: on a host that is down, with their logs", strings.Join(lost, ", "))
	}
	return out, nil
}

func nodeLabels(cs []engine.ContainerInfo) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Labels[engine.LabelNode]
	}
	return out
}

// FormatLogText turns an agent's JSON event into "15:04:05.000 event msg k=v",
// for people. Lines that are not JSON pass through unchanged.
func FormatLogText(line string) string { return agent.ParseEvent("", line).Text() }
