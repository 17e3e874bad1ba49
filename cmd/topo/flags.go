package main

import (
	"github.com/spf13/cobra"
)

// topologyFlag registers -t/--topology, completed with running topologies.
func topologyFlag(a *app, cmd *cobra.Command, p *string) {
	cmd.Flags().StringVarP(p, "topology", "t", "", "the topology: a file or a name (default: the only one running)")
	_ = cmd.RegisterFlagCompletionFunc("topology", a.completeTopologies)
}

// completeTopologies completes the names of running topologies.
func (a *app) completeTopologies(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
	o, closeFn, err := a.open(cmd.Context(), false)
	defer closeFn()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	tops, err := o.List(cmd.Context())
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	names := make([]string, len(tops))
	for i, t := range tops {
		names[i] = t.Name
	}
	return names, cobra.ShellCompDirectiveDefault
}
