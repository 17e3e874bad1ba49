package orchestrator

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// LogsOptions select the log lines Logs returns.
type LogsOptions struct {
	Nodes  []string  // empty: every node
	Follow bool      // keep streaming until ctx ends
	Tail   int       // lines per node from the end; 0: all
	Since  time.Time // zero: from the start
}

// LogLine is one line a node wrote.
type LogLine struct {
	Node string
	Time time.Time // when the engine received it
	Text string    // the line as the node wrote it (JSON for the agent)
}

// Logs calls emit with the log lines of a topology's nodes. Without Follow
// the lines of all nodes are merged in time order; with Follow they are
// emitted as they arrive, until ctx ends. emit is never called concurrently.
func (o *Orchestrator) Logs(ctx context.Context, name string, opts LogsOptions, emit func(LogLine) error) error {
	cs, err := o.rt.ListContainers(ctx, map[string]string{LabelTopology: name})
	if err != nil {
		return fmt.Errorf("logs %s: %w", name, err)
	}
	if len(cs) == 0 {
		return fmt.Errorf("logs %s: %w; `topo ls` lists the running ones", name, ErrNoTopology)
	}
	sortByOrder(cs, func(c ContainerInfo) map[string]string { return c.Labels })
	var picked []ContainerInfo
	for _, want := range opts.Nodes {
		i := slices.IndexFunc(cs, func(c ContainerInfo) bool { return c.Labels[LabelNode] == want })
		if i < 0 {
			return fmt.Errorf("logs %s: no node %q; the nodes are %s", name, want, strings.Join(nodeLabels(cs), ", "))
		}
		picked = append(picked, cs[i])
	}
	if len(opts.Nodes) == 0 {
		picked = cs
	}

	ro := LogOptions{Follow: opts.Follow, Since: opts.Since, Timestamps: true}
	if opts.Tail > 0 {
		ro.Tail = fmt.Sprint(opts.Tail)
	}

	var mu sync.Mutex
	var all []LogLine
	collect := func(l LogLine) error {
		mu.Lock()
		defer mu.Unlock()
		if opts.Follow {
			return emit(l)
		}
		all = append(all, l)
		return nil
	}
	// Following needs one stream per node at once; the node count bounds it.
	limit := DefaultMaxWorkers
	if opts.Follow {
		limit = len(picked)
	}
	err = boundedEach(ctx, limit, picked, func(ctx context.Context, c ContainerInfo) error {
		return o.readLogs(ctx, c, ro, collect)
	})
	if opts.Follow && ctx.Err() != nil {
		return nil // following ends when the caller stops it
	}
	if err != nil {
		return fmt.Errorf("logs %s: %w", name, err)
	}
	slices.SortStableFunc(all, func(a, b LogLine) int { return a.Time.Compare(b.Time) })
	for _, l := range all {
		if err := emit(l); err != nil {
			return err
		}
	}
	return nil
}

func (o *Orchestrator) readLogs(ctx context.Context, c ContainerInfo, ro LogOptions, emit func(LogLine) error) error {
	rc, err := o.rt.Logs(ctx, c.ID, ro)
	if err != nil {
		return fmt.Errorf("%s: %w", c.Name, err)
	}
	defer rc.Close()
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	node := c.Labels[LabelNode]
	for sc.Scan() {
		ts, text, _ := strings.Cut(sc.Text(), " ")
		t, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			text = sc.Text() // not stamped: keep the whole line
		}
		if err := emit(LogLine{Node: node, Time: t, Text: text}); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil && ctx.Err() == nil {
		return fmt.Errorf("%s: %w", c.Name, err)
	}
	return nil
}

func nodeLabels(cs []ContainerInfo) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Labels[LabelNode]
	}
	return out
}

// FormatLogText turns an agent's JSON event into "15:04:05.000 event msg k=v",
// for people. Lines that are not JSON pass through unchanged.
func FormatLogText(line string) string {
	var ev map[string]any
	if err := json.Unmarshal([]byte(line), &ev); err != nil {
		return line
	}
	var parts []string
	if ts, ok := ev["time"].(string); ok {
		if t, err := time.Parse(time.RFC3339Nano, ts); err == nil {
			parts = append(parts, t.Local().Format("15:04:05.000"))
		}
	}
	if e, ok := ev["event"].(string); ok && e != "" {
		parts = append(parts, e)
	}
	if m, ok := ev["msg"].(string); ok && m != "" && m != ev["event"] {
		parts = append(parts, m)
	}
	var keys []string
	for k := range ev {
		switch k {
		case "time", "event", "msg", "node", "level":
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%v", k, ev[k]))
	}
	return strings.Join(parts, " ")
}
