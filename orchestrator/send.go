package orchestrator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/topology"
)

// SendOptions say what Send sends.
type SendOptions struct {
	From, To string // node names; To "*" broadcasts
	Text     string
	Timeout  time.Duration // how long to wait for the receipt; DefaultSendTimeout when 0
	// Count above 1 sends a burst of Count copies (see node.Agent.Burst):
	// counted on the way, not logged one by one, and timed as a whole
	// (agent.DefaultBurstTimeout when Timeout is 0).
	Count int
}

// DefaultSendTimeout is how long Send waits for a receipt, unless the
// topology is a ring long enough to need ringSendPerNode a node.
const DefaultSendTimeout = agent.DefaultSendTimeout

// ringSendPerNode is how long a receipt may take per node of a ring: a
// message leaves when the token comes by (a round of the ring, at least
// the token's hold, 50 ms, at every node), goes around to its
// destination, and its receipt waits there for the token and goes the
// rest of the way round: two rounds, and a margin for the hops
// themselves. On a ring of 100, 5 s was not enough.
const ringSendPerNode = 3 * (agent.DefaultTokenHold + 20*time.Millisecond)

// sendTimeout is how long a send waits for its receipt by default.
func sendTimeout(cs []engine.ContainerInfo) time.Duration {
	agents, ring := 0, false
	for _, c := range cs {
		if runsAgent(c) {
			agents++
			ring = ring || c.Labels[engine.LabelLayout] == string(topology.Ring)
		}
	}
	if !ring {
		return DefaultSendTimeout
	}
	return max(DefaultSendTimeout, time.Duration(agents)*ringSendPerNode)
}

// Send injects a message at node from, addressed to node to, and waits for
// its receipt. A message that was not delivered is not an error: the
// receipt says why. A destination that is not a node of the topology is an
// error (ErrNoNode) and nothing is sent; one whose container is not running
// gets a receipt with reason node_down at once, without waiting.
func (o *Orchestrator) Send(ctx context.Context, name string, opts SendOptions) (*agent.Receipt, error) {
	from, to, timeout := opts.From, opts.To, opts.Timeout
	if err := checkBurst(opts); err != nil {
		return nil, fmt.Errorf("send: %w", err)
	}
	cs, err := o.containers(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("send: %w", err)
	}
	if timeout <= 0 {
		timeout = sendTimeout(cs)
		if opts.Count > 1 {
			timeout = max(timeout, agent.DefaultBurstTimeout)
		}
	}
	c, err := agentNode(cs, name, from)
	if err != nil {
		return nil, fmt.Errorf("send: %w", err)
	}
	if to != agent.Broadcast {
		dst, err := findNode(cs, name, to)
		if err != nil {
			return nil, fmt.Errorf("send: %w", err)
		}
		if dst.State != "running" {
			return &agent.Receipt{From: from, To: to, Reason: agent.ReasonNodeDown, Path: []string{}}, nil
		}
	}
	var out, errOut bytes.Buffer
	cmd := agent.SendCommand(to, opts.Text, timeout)
	if opts.Count > 1 {
		cmd = agent.BurstCommand(to, opts.Text, opts.Count, timeout)
	}
	start := time.Now()
	code, err := o.rt.Exec(ctx, c.ID, cmd, &out, &errOut)
	if err != nil {
		return nil, fmt.Errorf("send from %s: %w", from, err)
	}
	var r agent.Receipt
	if jerr := json.Unmarshal(bytes.TrimSpace(out.Bytes()), &r); jerr != nil {
		return nil, fmt.Errorf("send from %s: exit %d: %s", from, code, strings.TrimSpace(errOut.String()+" "+out.String()))
	}
	if r.From == "" {
		r.From = from
	}
	if r.To == "" {
		r.To = to
	}
	if !r.Delivered && r.Reason == agent.ReasonTimeout && r.ID != "" && opts.Count <= 1 && to != agent.Broadcast {
		o.settle(ctx, name, &r, start, timeout) // a burst's messages are not logged one by one
	}
	if r.Path == nil {
		r.Path = []string{} // the JSON contract has a list, never null
	}
	return &r, nil
}

// ErrBadBurst is returned, wrapped, for a burst that cannot be sent: too
// many messages, or to every node.
var ErrBadBurst = errors.New("bad burst")

// checkBurst says what is wrong with a burst's options, if anything.
func checkBurst(opts SendOptions) error {
	switch {
	case opts.Count < 0 || opts.Count > agent.MaxBurst:
		return fmt.Errorf("%w: %d messages; send 1 to %d", ErrBadBurst, opts.Count, agent.MaxBurst)
	case opts.Count > 1 && opts.To == agent.Broadcast:
		return fmt.Errorf("%w: a burst goes to one node, not to every node (*)", ErrBadBurst)
	}
	return nil
}

// ErrNoNode is returned, wrapped, for a node name the topology lacks; the
// message lists the nodes it has.
var ErrNoNode = errors.New("no such node")

// containers lists a running topology's containers, in plan order.
func (o *Orchestrator) containers(ctx context.Context, name string) ([]engine.ContainerInfo, error) {
	if err := needName(name); err != nil {
		return nil, err
	}
	cs, err := o.rt.ListContainers(ctx, map[string]string{engine.LabelTopology: name})
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, fmt.Errorf("topology %q: %w; `topo ls` lists the running ones", name, ErrNoTopology)
	}
	sortByOrder(cs, func(c engine.ContainerInfo) map[string]string { return c.Labels })
	return cs, nil
}

// findNode finds a node's container, running or not.
func findNode(cs []engine.ContainerInfo, name, node string) (engine.ContainerInfo, error) {
	for _, c := range cs {
		if c.Labels[engine.LabelNode] == node {
			return c, nil
		}
	}
	return engine.ContainerInfo{}, fmt.Errorf("topology %s has %w %q; its nodes are %s", name, ErrNoNode, clipEcho(node), strings.Join(nodeLabels(cs), ", "))
}

// runningNode finds the running container of a node.
func runningNode(cs []engine.ContainerInfo, name, node string) (engine.ContainerInfo, error) {
	c, err := findNode(cs, name, node)
	if err == nil && c.State != "running" {
		err = fmt.Errorf("node %s is %s, not running; see `topo logs -t %s %s`", node, c.State, name, node)
	}
	return c, err
}

// agentNode is runningNode for a node that runs topo's agent.
func agentNode(cs []engine.ContainerInfo, name, node string) (engine.ContainerInfo, error) {
	c, err := runningNode(cs, name, node)
	if err == nil && c.Labels[engine.LabelAgent] != "true" {
		err = fmt.Errorf("node %s runs its own image %s, not topo's agent", node, c.Image)
	}
	return c, err
}

// nodeContainer finds the running container of a node.
func (o *Orchestrator) nodeContainer(ctx context.Context, name, node string) (engine.ContainerInfo, error) {
	cs, err := o.containers(ctx, name)
	if err != nil {
		return engine.ContainerInfo{}, err
	}
	return runningNode(cs, name, node)
}
