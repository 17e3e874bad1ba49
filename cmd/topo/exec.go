package main

import (
	"github.com/spf13/cobra"
	"github.com/topo-dev/topo/orchestrator"
)

func newExecCmd(a *app) *cobra.Command {
	var ref string
	cmd := &cobra.Command{
		Use:   "exec NODE -- CMD...",
		Short: "Run a command in a node's container",
		Long: `exec runs CMD in NODE's container and exits with its exit code. The
built-in node image holds only the agent, /topo-node, so its verbs are the
commands there are: stats, ready, send and dial.`,
		Example: `  topo exec hub -- /topo-node stats
  topo exec -t ring node2 -- /topo-node send node4 hi
  topo exec spoke1 -- /topo-node dial 10.210.0.10:7000   # can spoke1 reach that address?`,
		Args: args(cobra.MinimumNArgs(2)),
		RunE: func(cmd *cobra.Command, pos []string) error {
			o, name, closeFn, err := a.resolve(cmd.Context(), ref)
			defer closeFn()
			if err != nil {
				return err
			}
			code, err := o.Exec(cmd.Context(), name, orchestrator.ExecOptions{Node: pos[0], Cmd: pos[1:], Stdout: a.stdout, Stderr: a.stderr})
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
	return cmd
}
