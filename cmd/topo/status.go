package main

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/topo-dev/topo/orchestrator"
)

func newStatusCmd(a *app) *cobra.Command {
	var ref, output string
	var maxWorkers int
	cmd := &cobra.Command{
		Use:   "status [FILE|NAME]",
		Short: "Show each node's state, readiness, addresses, neighbours and counters",
		Example: `  topo status
  topo status star
  topo status -o json | jq '.nodes[] | {name, ready}'`,
		Args:              args(cobra.MaximumNArgs(1)),
		ValidArgsFunction: a.completeTopologies,
		RunE: func(cmd *cobra.Command, pos []string) error {
			if err := checkOutput(output, "table", "json"); err != nil {
				return err
			}
			if len(pos) == 1 {
				if ref != "" && ref != pos[0] {
					return usageError{errors.New("status: give the topology either as an argument or with -t, not both")}
				}
				ref = pos[0]
			}
			o, name, closeFn, err := a.resolve(cmd.Context(), ref)
			defer closeFn()
			if err != nil {
				return err
			}
			st, err := o.Status(cmd.Context(), name, orchestrator.StatusOptions{MaxWorkers: maxWorkers})
			if err != nil {
				return err
			}
			if output == "json" {
				return writeJSON(a, st)
			}
			printStatus(a, st)
			return nil
		},
	}
	topologyFlag(a, cmd, &ref)
	outputFlag(cmd, &output, "table", "table", "json")
	cmd.Flags().IntVar(&maxWorkers, "max-workers", orchestrator.DefaultMaxWorkers, "nodes asked at once")
	return cmd
}

func printStatus(a *app, st *orchestrator.Status) {
	fmt.Fprintf(a.stdout, "%s (%s, %d nodes, %d segments)\n\n", st.Name, st.Layout, len(st.Nodes), len(st.Segments))
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tSTATE\tREADY\tADDRESSES\tNEIGHBOURS\tORIG\tDELIV\tFWD\tIGN\tDROP")
	for _, n := range st.Nodes {
		ready := "no"
		if n.Ready {
			ready = "yes"
		}
		var addrs []string
		for _, seg := range st.Segments { // in plan order, not map order
			if ip, ok := n.Addresses[seg.Name]; ok {
				addrs = append(addrs, ip+" ("+seg.Name+")")
			}
		}
		neigh := strings.Join(n.Neighbors, ",")
		if n.Error != "" {
			neigh = "? " + n.Error
		}
		c := n.Stats
		state := n.State
		if n.OOMKilled {
			state += " (OOM killed)"
		} else if n.State == "exited" {
			state += fmt.Sprintf(" (%d)", n.ExitCode)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\n", n.Name, state, ready,
			strings.Join(addrs, " "), neigh, c.Originated, c.Delivered, c.Forwarded, c.Ignored, c.Dropped)
	}
	tw.Flush()
	fmt.Fprintln(a.stdout)
	if len(st.Faults) > 0 {
		for _, f := range st.Faults {
			fmt.Fprintf(a.stdout, "fault: %s\n", f)
		}
		fmt.Fprintln(a.stdout)
	}
	tw = tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEGMENT\tNETWORK\tSUBNET\tMEMBERS")
	for _, s := range st.Segments {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Name, s.Network, s.Subnet, strings.Join(s.Members, ","))
	}
	tw.Flush()
}
