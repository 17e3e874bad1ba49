package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/orchestrator"
)

func newExecCmd(a *app) *cobra.Command {
	var ref string
	var f execFlags
	cmd := &cobra.Command{
		Use:   "exec NODE -- CMD...",
		Short: "Run a command in a node's container",
		Long: `exec runs CMD in NODE's container and exits with its exit code. A node
that runs topo's agent has nothing in its image but the agent, /topo-node:
no shell, so its verbs are the commands there are: stats, ready, send, dial
and trace. A node that runs your own image runs whatever that image holds,
as docker exec would.

Standard input goes to CMD when it is not a terminal (a pipe, a file), and
on a terminal when CMD gets one: that is when both standard input and
output are terminals, as for docker exec -it. -i and --tty say otherwise
(--interactive=false passes no input, --tty=false gives no terminal).
-t names the topology here, as in every topo command; --tty is docker's -t.
On a terminal, Ctrl-C goes to CMD; without one, Ctrl-C ends the exec and
topo exits 130, while CMD may run on.`,
		Example: `  topo exec hub -- /topo-node stats
  topo exec -t ring node2 -- /topo-node send node4 hi
  topo exec spoke1 -- /topo-node dial 10.210.0.10:7000   # can spoke1 reach that address?
  topo exec web -- sh                                    # a node running your own image
  echo hi | topo exec web -- cat`,
		Args: func(cmd *cobra.Command, pos []string) error {
			if len(pos) < 2 && cmd.Flags().Changed("interactive") && cmd.Flags().Changed("topology") {
				return usageError{fmt.Errorf("exec: -t names the topology here (it took %q): docker's -it is -i --tty, "+
					"and on a terminal the TTY comes without asking: `topo exec NODE -- CMD`", ref)}
			}
			return args(cobra.MinimumNArgs(2))(cmd, pos)
		},
		RunE: func(cmd *cobra.Command, pos []string) error {
			f.interactiveSet = cmd.Flags().Changed("interactive")
			f.ttySet = cmd.Flags().Changed("tty")
			o, name, closeFn, err := a.resolve(cmd.Context(), ref)
			defer closeFn()
			if err != nil {
				return err
			}
			if err := checkAgentCommand(cmd.Context(), o, name, pos[0], pos[1:]); err != nil {
				return err
			}
			t := a.terminals()
			input, restore, err := t.input(cmd.Context(), f.decide(t.in != nil, t.out != nil))
			if err != nil {
				return err
			}
			code, err := o.Exec(cmd.Context(), name, orchestrator.ExecOptions{Node: pos[0], Cmd: pos[1:], Stdout: a.stdout, Stderr: a.stderr, Input: input})
			restore()
			if err != nil && cmd.Context().Err() != nil {
				return silentError{exitInterrupted} // Ctrl-C without a terminal: the user ended it
			}
			if err != nil {
				return err
			}
			if code != 0 {
				return silentError{code}
			}
			return nil
		},
	}
	topologyFlag(a, cmd, &ref)
	cmd.Flags().BoolVarP(&f.interactive, "interactive", "i", false, "pass standard input to CMD (default: when it is not a terminal, or CMD gets one)")
	cmd.Flags().BoolVar(&f.tty, "tty", false, "run CMD on a terminal, as docker exec -t (default: when standard input and output are terminals)")
	return cmd
}

// checkAgentCommand refuses, as a usage error, a command other than the
// agent's on a node that runs topo's agent: its image holds nothing else,
// and the engine's answer (an OCI runtime error, exit 126) says little.
func checkAgentCommand(ctx context.Context, o orchestrator.Service, name, node string, command []string) error {
	ns, err := o.Nodes(ctx, name)
	if err != nil {
		return nil // Exec says what is wrong
	}
	i := slices.IndexFunc(ns, func(n orchestrator.NodeRef) bool { return n.Name == node })
	if i < 0 || !ns[i].Agent {
		return nil
	}
	return agentCommandError(node, command)
}

// agentCommandError is nil for the agent's own command line, and otherwise
// says what an agent node can run.
func agentCommandError(node string, command []string) error {
	if len(command) > 0 && command[0] == agent.Path {
		return nil
	}
	verbs := []string{agent.VerbStats, agent.VerbReady, agent.VerbSend, agent.VerbDial, agent.VerbTrace, agent.VerbTraffic}
	if len(command) > 0 && slices.Contains(verbs, command[0]) {
		return usageError{fmt.Errorf("exec: node %s runs topo's agent: write the verb after its path, `topo exec %s -- %s %s`", node, node, agent.Path, command[0])}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "exec: node %s runs topo's agent, whose image holds nothing but %s: no shell, no other command. What works:", node, agent.Path)
	usage := [][2]string{
		{"stats", "counters, neighbours and links, as JSON"},
		{"ready [--wait D]", "exit 0 once every link is up"},
		{"send TO TEXT", "send a message, print its receipt"},
		{"dial HOST:PORT", "can this node open a TCP connection there?"},
		{"trace ADDR", "the IP path to ADDR, hop by hop"},
		{"traffic on|off", "start or stop this node's background traffic"},
	}
	width := 0
	for _, v := range usage {
		width = max(width, len(v[0]))
	}
	for _, v := range usage {
		fmt.Fprintf(&b, "\n  topo exec %s -- %s %-*s  %s", node, agent.Path, width, v[0], v[1])
	}
	b.WriteString("\nA node that runs your own image (image: in the file) runs what that image holds.")
	return usageError{errors.New(b.String())}
}
