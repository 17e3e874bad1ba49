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
TO is not reached, and says where the trace stops and why: at the near end
of a link the faults in force cut (at once: the trace goes no further), or
where an "unreachable" answer came from.`,
		Example: `  topo trace spoke1 spoke3
  topo trace -t ring node1 node3 -o json`,
		Args: args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, pos []string) error {
			if err := checkOutput(output, "text", "json"); err != nil {
				return err
			}
			if err := checkTrace(opts); err != nil {
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
	cmd.Flags().IntVar(&opts.MaxHops, "max-hops", 30, fmt.Sprintf("give up after this many hops (1 to %d)", maxTraceHops))
	cmd.Flags().DurationVar(&opts.PerHop, "timeout", time.Second, fmt.Sprintf("how long to wait for each hop (up to %s)", maxTraceWait))
	return cmd
}

// The bounds of trace's flags: no topology has a path longer than 64
// hops, and a hop that says nothing for 10 s will not.
const (
	maxTraceHops = 64
	maxTraceWait = 10 * time.Second
)

// checkTrace says in topo's words what is wrong with trace's flags.
func checkTrace(opts orchestrator.TraceOptions) error {
	switch {
	case opts.MaxHops < 1 || opts.MaxHops > maxTraceHops:
		return usageError{fmt.Errorf("trace: --max-hops %d: want 1 to %d", opts.MaxHops, maxTraceHops)}
	case opts.PerHop <= 0 || opts.PerHop > maxTraceWait:
		return usageError{fmt.Errorf("trace: --timeout %s: want more than 0, up to %s", opts.PerHop, maxTraceWait)}
	}
	return nil
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
	switch {
	case r.Stop != nil:
		at := r.Stop.Node
		if at == "" {
			at = r.Stop.Addr
		}
		fmt.Fprintf(a.stdout, "%s not reached: stops at %s: %s\n", opts.To, at, r.Stop.Why)
	case !r.Reached:
		fmt.Fprintf(a.stdout, "%s not reached\n", opts.To)
	}
}
