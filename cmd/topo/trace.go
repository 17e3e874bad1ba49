package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/orchestrator"
)

func newTraceCmd(a *app) *cobra.Command {
	var ref, output string
	var opts orchestrator.TraceOptions
	cmd := &cobra.Command{
		Use:   "trace FROM TO",
		Short: "Show the IP path from one node to another, hop by hop",
		Long: `trace follows the IP path from node FROM to node TO as software on FROM
would take it, from inside FROM and without privileges (UDP probes with a
growing TTL), and names each hop by the node that answered. It exits 1 when
TO is not reached.`,
		Example: `  topo trace spoke1 spoke3
  topo trace -t ring node1 node3 -o json`,
		Args: args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, pos []string) error {
			if err := checkOutput(output, "text", "json"); err != nil {
				return err
			}
			o, name, closeFn, err := a.resolve(cmd.Context(), ref)
			defer closeFn()
			if err != nil {
				return err
			}
			opts.From, opts.To = pos[0], pos[1]
			r, err := o.Trace(cmd.Context(), name, opts)
			if err != nil {
				return err
			}
			if output == "json" {
				if err := writeJSON(a, r); err != nil {
					return err
				}
			} else {
				printTrace(a, opts, r)
			}
			if !r.Reached {
				return silentError{exitFailure}
			}
			return nil
		},
	}
	topologyFlag(a, cmd, &ref)
	outputFlag(cmd, &output, "text", "text", "json")
	cmd.Flags().IntVar(&opts.MaxHops, "max-hops", 30, "give up after this many hops")
	cmd.Flags().DurationVar(&opts.PerHop, "timeout", time.Second, "how long to wait for each hop")
	return cmd
}

func printTrace(a *app, opts orchestrator.TraceOptions, r *agent.TraceResult) {
	fmt.Fprintf(a.stdout, "trace %s → %s (%s)\n", opts.From, opts.To, r.To)
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	for _, h := range r.Hops {
		node, addr, rtt := h.Node, h.Addr, fmt.Sprintf("%.2f ms", h.RTTMs)
		if addr == "" {
			node, addr, rtt = "*", "", "no answer"
		} else if node == "" {
			node = "?"
		}
		fmt.Fprintf(tw, "%3d\t%s\t%s\t%s\n", h.TTL, node, addr, rtt)
	}
	tw.Flush()
	if !r.Reached {
		fmt.Fprintf(a.stdout, "%s not reached\n", opts.To)
	}
}
