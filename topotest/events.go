package topotest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/orchestrator"
)

// Event is one line of a node's log, parsed: the agent contract's type.
type Event = agent.Event

// ParseEvent parses one JSON log line of a node. Lines that are not JSON
// become an Event with only Raw and Msg set.
func ParseEvent(node, line string) Event { return agent.ParseEvent(node, line) }

// Logs returns the log events the named nodes wrote so far (every node's
// when none is named), in time order.
func (top *Topology) Logs(t testing.TB, nodes ...string) []Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	var out []Event
	err := top.o.Logs(ctx, top.Name, orchestrator.LogsOptions{Nodes: nodes}, func(l orchestrator.LogLine) error {
		out = append(out, ParseEvent(l.Node, l.Text))
		return nil
	})
	if err != nil {
		t.Fatalf("topotest: %v", err)
	}
	return out
}

var errFound = errors.New("found")

// WaitFor follows a node's log, from its start, until match returns true
// for an event, and returns that event. It fails the test after timeout.
func (top *Topology) WaitFor(t testing.TB, node string, match func(Event) bool, timeout time.Duration) Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	var found Event
	err := top.o.Logs(ctx, top.Name, orchestrator.LogsOptions{Nodes: []string{node}, Follow: true}, func(l orchestrator.LogLine) error {
		ev := ParseEvent(l.Node, l.Text)
		if match(ev) {
			found = ev
			cancel()
			return errFound
		}
		return nil
	})
	if found.Raw != "" {
		return found
	}
	if err != nil && !errors.Is(err, errFound) {
		t.Fatalf("topotest: wait for %s: %v", node, err)
	}
	t.Fatalf("topotest: no matching event from %s within %s", node, timeout)
	return Event{}
}
