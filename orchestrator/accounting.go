package orchestrator

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
)

// Accounting is what the nodes' logs say became of every data message the
// agents originated (broadcasts aside, which are delivered at many
// nodes): each should end delivered, or dropped with a reason, exactly
// once. Logs outlive the agents that wrote them (a node stopped, killed
// or restarted), so the accounting covers them too.
type Accounting struct {
	Originated int
	Delivered  int
	Dropped    map[string]int // by reason, net of revoked drops
	// Missing are the "send" events of the messages that neither arrived
	// nor were counted as dropped anywhere.
	Missing []agent.Event
	// Twice are the IDs of messages with more than one outcome.
	Twice []string
	// Unread are the nodes whose log was not read: their host is down
	// (engine.ContainerInfo.HostDown), and their log with it.
	Unread []string
}

// ReasonHostDown is the reason Account gives, in Dropped, a message that
// has no outcome in the logs it could read and that was on its way to a
// node whose host is down: sent to it, or forwarded to it. Its outcome,
// if it had one, is in that node's log, on that host; the agents that
// remain log their own drops towards it (link_down once its links
// broke), which count as such.
const ReasonHostDown = "host_down"

// Account settles the books from the nodes' log events.
func Account(events []agent.Event) Accounting {
	sends := map[string]agent.Event{}
	var order []string
	outcomes := map[string]int{}
	acc := Accounting{Dropped: map[string]int{}}
	for _, ev := range events {
		if ev.ID == "" {
			continue
		}
		switch ev.Event {
		case agent.EvSend:
			if ev.Peer != agent.Broadcast {
				if _, seen := sends[ev.ID]; !seen {
					order = append(order, ev.ID)
				}
				sends[ev.ID] = ev
			}
		case agent.EvDeliver:
			outcomes[ev.ID]++
		case agent.EvDrop:
			if _, unicast := ev.Fields["from"]; unicast {
				outcomes[ev.ID]++
			}
		case agent.EvRevoke:
			outcomes[ev.ID]--
		}
	}
	// A second pass counts outcomes by kind, for messages that were sent.
	for _, ev := range events {
		if _, ok := sends[ev.ID]; !ok {
			continue
		}
		switch {
		case ev.Event == agent.EvDeliver:
			acc.Delivered++
		case ev.Event == agent.EvDrop && ev.Fields["from"] != nil:
			acc.Dropped[ev.Reason]++
		case ev.Event == agent.EvRevoke:
			acc.Dropped[ev.Reason]--
		}
	}
	acc.Originated = len(order)
	for _, id := range order {
		switch n := outcomes[id]; {
		case n == 0:
			acc.Missing = append(acc.Missing, sends[id])
		case n > 1:
			acc.Twice = append(acc.Twice, id)
		}
	}
	return acc
}

// String sums the books up for a test's log.
func (a Accounting) String() string {
	s := fmt.Sprintf("originated %d, delivered %d, dropped %v, missing %d, counted twice %d",
		a.Originated, a.Delivered, a.Dropped, len(a.Missing), len(a.Twice))
	if len(a.Unread) > 0 {
		s += fmt.Sprintf(", logs on a host that is down (not read) %v", a.Unread)
	}
	return s
}

// Balanced reports whether every message has exactly one outcome.
func (a Accounting) Balanced() bool { return len(a.Missing) == 0 && len(a.Twice) == 0 }

// lostWith moves from Missing to Dropped[ReasonHostDown] the messages
// whose way led to a node of lost, where their outcome was logged: sent
// to it, forwarded to it, or with no trace past their send and a lost
// first hop (an origin logs no forward), as firstHop(origin, destination)
// says.
func (a *Accounting) lostWith(events []agent.Event, lost map[string]bool, firstHop func(from, to string) string) {
	if len(lost) == 0 || len(a.Missing) == 0 {
		return
	}
	towards, traced := map[string]bool{}, map[string]bool{}
	for _, ev := range events {
		switch ev.Event {
		case agent.EvForward:
			towards[ev.ID] = towards[ev.ID] || lost[ev.Peer]
			traced[ev.ID] = true
		case agent.EvDeliver, agent.EvDrop, agent.EvRevoke:
			traced[ev.ID] = true
		}
	}
	a.Missing = slices.DeleteFunc(a.Missing, func(ev agent.Event) bool {
		if lost[ev.Peer] || towards[ev.ID] || (!traced[ev.ID] && lost[firstHop(ev.Node, ev.Peer)]) {
			a.Dropped[ReasonHostDown]++
			return true
		}
		return false
	})
}

// Account reads every node's log and settles the books. Call it once the
// topology is at rest (Settle), or messages under way count as missing.
// The logs of nodes on a host that is down are not read (Unread): what was
// on its way to them counts as dropped, ReasonHostDown.
func (o *Orchestrator) Account(ctx context.Context, name string) (Accounting, error) {
	cs, err := o.containers(ctx, name)
	if err != nil {
		return Accounting{}, fmt.Errorf("account: %w", err)
	}
	var read, unread []string
	lost, byNode := map[string]bool{}, map[string]string{}
	for _, c := range cs {
		n := c.Labels[engine.LabelNode]
		byNode[n] = c.Name
		if c.HostDown {
			unread, lost[n] = append(unread, n), true
		} else {
			read = append(read, n)
		}
	}
	opts := LogsOptions{}
	if len(unread) > 0 {
		opts.Nodes = read // the manager cannot give a lost host's logs
	}
	var events []agent.Event
	err = o.Logs(ctx, name, opts, func(l LogLine) error {
		events = append(events, agent.ParseEvent(l.Node, l.Text))
		return nil
	})
	if err != nil {
		return Accounting{}, fmt.Errorf("account: %w", err)
	}
	acc := Account(events)
	acc.Unread = unread
	routes := map[string]map[string]string{} // by origin, from its config
	acc.lostWith(events, lost, func(from, to string) string {
		if _, ok := routes[from]; !ok {
			routes[from] = nil
			if full, err := o.rt.ContainerByName(ctx, byNode[from]); err == nil {
				if cfg := nodeConfig(full); cfg != nil {
					routes[from] = cfg.Routes
				}
			}
		}
		return routes[from][to]
	})
	return acc, nil
}

// Settle brings a topology to rest: it turns the background traffic off
// and waits until no running agent has a frame in flight, queued, or
// waiting for a ring's token, twice in a row half a second apart. After
// timeout it fails, naming the agents that are still busy.
func (o *Orchestrator) Settle(ctx context.Context, name string, timeout time.Duration) error {
	if _, err := o.Traffic(ctx, name, false); err != nil {
		return fmt.Errorf("settle: %w", err)
	}
	deadline := time.Now().Add(timeout)
	for calm := 0; calm < 2; {
		select {
		case <-ctx.Done():
			return fmt.Errorf("settle %s: %w", name, ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
		busy, err := o.unsettled(ctx, name)
		if err != nil {
			return fmt.Errorf("settle: %w", err)
		}
		switch {
		case len(busy) == 0:
			calm++
		case time.Now().After(deadline):
			return fmt.Errorf("settle: %s not at rest within %v: %v", name, timeout, busy)
		default:
			calm = 0
		}
	}
	return nil
}

// unsettled names the running agents that still hold frames.
func (o *Orchestrator) unsettled(ctx context.Context, name string) ([]string, error) {
	st, err := o.Status(ctx, name, StatusOptions{})
	if err != nil {
		return nil, err
	}
	var busy []string
	for _, n := range st.Nodes {
		s := n.Stats
		if s.InFlight > 0 || s.QueuedBytes > 0 || s.Outbox > 0 {
			busy = append(busy, fmt.Sprintf("%s (in flight %d, queued %d B, outbox %d)", n.Name, s.InFlight, s.QueuedBytes, s.Outbox))
		}
	}
	return slices.Clip(busy), nil
}
