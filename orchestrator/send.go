package orchestrator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
)

// SendOptions say what Send sends.
type SendOptions struct {
	From, To string // node names; To "*" broadcasts
	Text     string
	Timeout  time.Duration // how long to wait for the receipt; DefaultSendTimeout when 0
}

// ExecOptions say what Exec runs, where, and where its output goes.
type ExecOptions struct {
	Node           string
	Cmd            []string
	Stdout, Stderr io.Writer
}

// DefaultSendTimeout is how long Send waits for a receipt.
const DefaultSendTimeout = 5 * time.Second

// Send injects a message at node from, addressed to node to, and waits for
// its receipt. A message that was not delivered is not an error: the
// receipt says why.
func (o *Orchestrator) Send(ctx context.Context, name string, opts SendOptions) (*agent.Receipt, error) {
	from, to, text, timeout := opts.From, opts.To, opts.Text, opts.Timeout
	if timeout <= 0 {
		timeout = DefaultSendTimeout
	}
	c, err := o.agentContainer(ctx, name, from)
	if err != nil {
		return nil, fmt.Errorf("send: %w", err)
	}
	var out, errOut bytes.Buffer
	code, err := o.rt.Exec(ctx, c.ID, agent.SendCommand(to, text, timeout), &out, &errOut)
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
	if r.Path == nil {
		r.Path = []string{} // the JSON contract has a list, never null
	}
	return &r, nil
}

// Exec runs a command in a node's container and returns its exit code.
func (o *Orchestrator) Exec(ctx context.Context, name string, opts ExecOptions) (int, error) {
	c, err := o.nodeContainer(ctx, name, opts.Node)
	if err != nil {
		return -1, fmt.Errorf("exec: %w", err)
	}
	code, err := o.rt.Exec(ctx, c.ID, opts.Cmd, opts.Stdout, opts.Stderr)
	if err != nil {
		return code, fmt.Errorf("exec in %s: %w", c.Name, err)
	}
	return code, nil
}

// nodeContainer finds the running container of a node.
func (o *Orchestrator) nodeContainer(ctx context.Context, name, node string) (engine.ContainerInfo, error) {
	cs, err := o.rt.ListContainers(ctx, map[string]string{engine.LabelTopology: name})
	if err != nil {
		return engine.ContainerInfo{}, err
	}
	if len(cs) == 0 {
		return engine.ContainerInfo{}, fmt.Errorf("topology %q: %w; `topo ls` lists the running ones", name, ErrNoTopology)
	}
	for _, c := range cs {
		if c.Labels[engine.LabelNode] == node {
			if c.State != "running" {
				return c, fmt.Errorf("node %s is %s, not running; see `topo logs -t %s %s`", node, c.State, name, node)
			}
			return c, nil
		}
	}
	sortByOrder(cs, func(c engine.ContainerInfo) map[string]string { return c.Labels })
	return engine.ContainerInfo{}, fmt.Errorf("topology %s has no node %q; its nodes are %s", name, node, strings.Join(nodeLabels(cs), ", "))
}

// agentContainer is nodeContainer for a node that runs topo's agent.
func (o *Orchestrator) agentContainer(ctx context.Context, name, node string) (engine.ContainerInfo, error) {
	c, err := o.nodeContainer(ctx, name, node)
	if err != nil {
		return c, err
	}
	if c.Labels[engine.LabelAgent] != "true" {
		return c, fmt.Errorf("node %s runs its own image %s, not topo's agent", node, c.Image)
	}
	return c, nil
}
