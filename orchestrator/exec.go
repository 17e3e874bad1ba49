package orchestrator

import (
	"context"
	"fmt"
	"io"

	"github.com/topo-dev/topo/engine"
)

// ExecOptions say what Exec runs, where, where its output goes, and what it
// reads.
type ExecOptions struct {
	Node           string
	Cmd            []string
	Stdout, Stderr io.Writer
	// Input, when set, gives the command standard input and a terminal
	// (see engine.ExecInput).
	Input *engine.ExecInput
}

// Exec runs a command in a node's container and returns its exit code.
func (o *Orchestrator) Exec(ctx context.Context, name string, opts ExecOptions) (int, error) {
	c, err := o.nodeContainer(ctx, name, opts.Node)
	if err != nil {
		return -1, fmt.Errorf("exec: %w", err)
	}
	var in []engine.ExecInput
	if opts.Input != nil {
		in = append(in, *opts.Input)
	}
	code, err := o.rt.Exec(ctx, c.ID, opts.Cmd, opts.Stdout, opts.Stderr, in...)
	if err != nil {
		return code, fmt.Errorf("exec in %s: %w", c.Name, err)
	}
	return code, nil
}

// ExecAgent runs one of the agent's commands (opts.Cmd, agent.Path first)
// in a node's network namespace and returns its exit code: in the node
// when it runs topo's agent; else, since a user's own image need not hold
// the agent, in a short-lived helper from the node image that joins the
// node's network namespace with no capability. What it dials or traces is
// what the node would. Input is not passed on.
func (o *Orchestrator) ExecAgent(ctx context.Context, name string, opts ExecOptions) (int, error) {
	c, err := o.nodeContainer(ctx, name, opts.Node)
	if err != nil {
		return -1, fmt.Errorf("exec: %w", err)
	}
	if c.Labels[engine.LabelAgent] == "true" {
		code, err := o.rt.Exec(ctx, c.ID, opts.Cmd, opts.Stdout, opts.Stderr)
		if err != nil {
			return code, fmt.Errorf("exec in %s: %w", c.Name, err)
		}
		return code, nil
	}
	if err := o.unsupported(fmt.Sprintf("running topo's agent from %s, which runs its own image,", opts.Node), needsHelpers); err != nil {
		return -1, err
	}
	image, err := o.NodeImage(ctx)
	if err != nil {
		return -1, fmt.Errorf("exec in the network of %s: %w", c.Name, err)
	}
	code, err := o.rt.RunToCompletion(ctx, agentHelper(c, image, opts.Cmd), opts.Stdout, opts.Stderr)
	if err != nil {
		return code, fmt.Errorf("exec in the network of %s: %w", c.Name, err)
	}
	return code, nil
}

// agentHelper is a short-lived container that runs an agent command in a
// node container's network namespace, as nobody, with no capability: it
// only looks (dials, traces), it changes nothing there.
func agentHelper(c engine.ContainerInfo, image string, cmd []string) engine.ContainerSpec {
	return engine.ContainerSpec{
		Image: image, Cmd: agentArgs(cmd), JoinNetworkOf: c.ID, User: "65534:65534", ReadOnlyRoot: true,
		CapDrop: []string{"ALL"}, NoNewPrivileges: true, MemoryBytes: helperMemory, PidsLimit: nodePids,
		Labels: map[string]string{engine.LabelHelper: c.Labels[engine.LabelTopology], engine.LabelNode: c.Labels[engine.LabelNode]},
	}
}
