package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newTrafficCmd(a *app) *cobra.Command {
	var ref, output string
	cmd := &cobra.Command{
		Use:   "traffic on|off",
		Short: "Turn the agents' background traffic on or off",
		Long: `traffic off stops every agent of a running topology from originating its
background messages; what is under way goes on and settles (topo status shows
what is still in flight). With the traffic off, a topology at rest has every
message it originated delivered or dropped with a reason, and its logs stay
quiet. traffic on starts it again. topo send works either way.`,
		Example: "  topo traffic off\n  topo traffic on -t ring",
		Args:    args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, pos []string) error {
			if pos[0] != "on" && pos[0] != "off" {
				return usageError{fmt.Errorf("traffic: %q, want on or off", pos[0])}
			}
			if err := checkOutput(output, "text", "json"); err != nil {
				return err
			}
			o, name, closeFn, err := a.resolve(cmd.Context(), ref)
			defer closeFn()
			if err != nil {
				return err
			}
			nodes, err := o.Traffic(cmd.Context(), name, pos[0] == "on")
			if err != nil {
				return err
			}
			if output == "json" {
				return writeJSON(a, struct {
					Topology string   `json:"topology"`
					Traffic  string   `json:"traffic"`
					Nodes    []string `json:"nodes"`
				}{name, pos[0], nodes})
			}
			fmt.Fprintf(a.stdout, "%s: background traffic %s on %d nodes (%s)\n", name, pos[0], len(nodes), firstNames(nodes))
			return nil
		},
	}
	topologyFlag(a, cmd, &ref)
	outputFlag(cmd, &output, "text", "text", "json")
	return cmd
}
