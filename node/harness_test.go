package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node"
)

// logBuf collects one node's log lines.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// events returns the log lines whose event field is ev.
func (l *logBuf) events(ev string) []map[string]any {
	var out []map[string]any
	for line := range strings.Lines(l.String()) {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["event"] == ev {
			out = append(out, m)
		}
	}
	return out
}

type member struct {
	agent  *node.Agent
	cancel context.CancelFunc
	done   chan error
	logs   *logBuf
}

// cluster is a running topology in this process.
type cluster struct {
	t     testing.TB
	cfgs  map[string]*agent.Config
	order []string
	opts  []node.Option
	mu    sync.Mutex
	nodes map[string]*member
	dead  []*logBuf // logs of stopped agents
}

// testOptions make links and the ring fast enough for tests.
func testOptions() []node.Option {
	return []node.Option{
		node.WithTokenHold(2 * time.Millisecond),
		node.WithHelloInterval(50*time.Millisecond, 200*time.Millisecond),
		node.WithBackoff(20*time.Millisecond, 200*time.Millisecond),
		node.WithControlSocket(""),
	}
}

func startSpec(t testing.TB, s *spec, opts ...node.Option) *cluster {
	t.Helper()
	var order []string
	for _, n := range s.nodes {
		order = append(order, n.name)
	}
	return startConfigs(t, s.configs(), order, opts...)
}

func startConfigs(t testing.TB, cfgs map[string]*agent.Config, order []string, opts ...node.Option) *cluster {
	t.Helper()
	c := &cluster{t: t, cfgs: cfgs, order: order, opts: append(testOptions(), opts...), nodes: map[string]*member{}}
	t.Cleanup(c.stopAll)
	for _, n := range order {
		c.start(n)
	}
	return c
}

func (c *cluster) start(name string, extra ...node.Option) *member {
	c.t.Helper()
	logs := &logBuf{}
	opts := append(slices.Clone(c.opts), node.WithLogger(slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	a, err := node.New(c.cfgs[name], append(opts, extra...)...)
	if err != nil {
		c.t.Fatalf("new %s: %v", name, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &member{agent: a, cancel: cancel, done: make(chan error, 1), logs: logs}
	go func() { m.done <- a.Run(ctx) }()
	c.mu.Lock()
	c.nodes[name] = m
	c.mu.Unlock()
	return m
}

func (c *cluster) node(name string) *member {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes[name]
}

func (c *cluster) agent(name string) *node.Agent { return c.node(name).agent }

func (c *cluster) stop(name string) {
	c.t.Helper()
	c.mu.Lock()
	m := c.nodes[name]
	delete(c.nodes, name)
	if m != nil {
		c.dead = append(c.dead, m.logs)
	}
	c.mu.Unlock()
	if m == nil {
		return
	}
	m.cancel()
	select {
	case err := <-m.done:
		if err != nil {
			c.t.Errorf("%s: run: %v", name, err)
		}
	case <-time.After(10 * time.Second):
		c.t.Errorf("%s did not stop", name)
	}
}

func (c *cluster) stopAll() {
	for _, n := range c.order {
		c.stop(n)
	}
	if c.t.Failed() {
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, l := range c.dead {
			c.t.Log(tail(l.String(), 60))
		}
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (c *cluster) waitReady() {
	c.t.Helper()
	for _, n := range c.order {
		eventually(c.t, 10*time.Second, n+" ready", func() bool {
			m := c.node(n)
			return m != nil && m.agent.Ready()
		})
	}
}

// send sends a message with a receipt and fails the test unless it is
// delivered.
func (c *cluster) send(from, to string) agent.Receipt {
	c.t.Helper()
	r := c.trySend(from, to)
	if !r.Delivered {
		c.t.Fatalf("send %s → %s: not delivered: %+v", from, to, r)
	}
	return r
}

// trySend sends a message with a receipt and returns the receipt,
// delivered or not.
func (c *cluster) trySend(from, to string) agent.Receipt {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := c.agent(from).Send(ctx, to, "hello "+to, true)
	if err != nil {
		c.t.Fatalf("send %s → %s: %v", from, to, err)
	}
	return r
}

func (c *cluster) stats() map[string]agent.Stats {
	out := map[string]agent.Stats{}
	c.mu.Lock()
	defer c.mu.Unlock()
	for n, m := range c.nodes {
		out[n] = m.agent.Stats()
	}
	return out
}
