package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/orchestrator"
)

// message is one server-sent event: its type and its JSON data.
type message struct {
	Type string
	Data []byte
}

// subBuffer bounds what a page may fall behind by; past it the page
// misses messages, and is told how many.
const subBuffer = 512

// statusEvery is how often a feed sends the status of a topology of n
// nodes: every second, and a second more for every 25 nodes, since it asks
// each node's agent. Links change on the page the moment their nodes log
// it; the status brings node states and counters.
func statusEvery(n int) time.Duration { return time.Second + time.Duration(n/25)*time.Second }

// feed follows one running topology, its nodes' merged log and its status,
// once for every page that shows it, and hands each page what it says
// through a bounded buffer: a page that does not keep up misses messages
// rather than holding memory.
type feed struct {
	name   string
	cancel context.CancelFunc

	mu      sync.Mutex
	subs    map[chan message]*int // each page's channel and what it missed
	stopped bool
}

// source is what a feed reads: the orchestrator, or a stand-in in tests.
type source interface {
	Logs(ctx context.Context, name string, opts orchestrator.LogsOptions, fn func(orchestrator.LogLine) error) error
	Status(ctx context.Context, name string, opts orchestrator.StatusOptions) (*orchestrator.Status, error)
}

func startFeed(src source, name string, m *model) *feed {
	ctx, cancel := context.WithCancel(context.Background())
	f := &feed{name: name, cancel: cancel, subs: map[chan message]*int{}}
	go f.follow(ctx, src, m)
	go f.poll(ctx, src, statusEvery(len(m.routes)))
	return f
}

// follow turns the nodes' new log lines into animations and log lines.
func (f *feed) follow(ctx context.Context, src source, m *model) {
	opts := orchestrator.LogsOptions{Follow: true, Tail: orchestrator.TailNone}
	for ctx.Err() == nil {
		_ = src.Logs(ctx, f.name, opts, func(l orchestrator.LogLine) error {
			ev := agent.ParseEvent(l.Node, l.Text)
			if a, ok := m.animate(ev); ok {
				f.publish("anim", a)
			}
			f.publish("log", map[string]string{"node": l.Node, "text": ev.Text(), "event": ev.Event})
			return nil
		})
		// The stream ends when a node restarts; follow again.
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// poll sends the topology's status every interval, and the faults in
// force as it says them.
func (f *feed) poll(ctx context.Context, src source, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		st, err := src.Status(ctx, f.name, orchestrator.StatusOptions{})
		if err == nil {
			f.publish("status", st)
			f.publish("faults", faultLines(st))
		} else if ctx.Err() == nil {
			f.publish("error", map[string]string{"error": err.Error()})
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// publish hands v to every page, as much as each has room for.
func (f *feed) publish(typ string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	msg := message{Type: typ, Data: b}
	f.mu.Lock()
	defer f.mu.Unlock()
	for ch, missed := range f.subs {
		select {
		case ch <- msg:
		default:
			*missed++
		}
	}
}

// subscribe adds a page; it reports false once the feed has stopped.
func (f *feed) subscribe() (chan message, func() int, bool) {
	ch := make(chan message, subBuffer)
	missed := new(int)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopped {
		return nil, nil, false
	}
	f.subs[ch] = missed
	take := func() int {
		f.mu.Lock()
		defer f.mu.Unlock()
		n := *missed
		*missed = 0
		return n
	}
	return ch, take, true
}

// unsubscribe removes a page, and stops the feed when it was the last: it
// reports whether it did.
func (f *feed) unsubscribe(ch chan message) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.subs, ch)
	if len(f.subs) == 0 && !f.stopped {
		f.stopped = true
		f.cancel()
		return true
	}
	return false
}

// faultLines are the faults in force on a topology, for people: those topo
// keeps (links cut or impaired, a partition), whoever made them, and nodes
// that are not running, unless a fault already names them.
func faultLines(st *orchestrator.Status) []string {
	out := []string{}
	named := map[string]bool{}
	for _, f := range st.Faults {
		out = append(out, f.String())
		if f.Kind == orchestrator.FaultNode {
			named[f.Node] = true
		}
	}
	for _, n := range st.Nodes {
		if n.State != "running" && !named[n.Name] {
			out = append(out, fmt.Sprintf("node %s %s", n.Name, n.State))
		}
	}
	return out
}
