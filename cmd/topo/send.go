package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/orchestrator"
)

func newSendCmd(a *app) *cobra.Command {
	var ref, output string
	var timeout time.Duration
	var count int
	cmd := &cobra.Command{
		Use:   "send FROM TO TEXT",
		Short: "Send a message from one node to another and show its path",
		Long: `send injects a message at node FROM, addressed to node TO (or * for every
node), and waits for its delivery receipt: the path it took and its round
trip time. It exits 1 when the message was not delivered. A broadcast asks
for no receipt: each node logs its delivery. When no receipt comes back in
time, send looks in the nodes' logs: "delivered (receipt lost)" when the
destination logged the message, "not delivered" when a node logged its
drop, else "unknown" (exit 1).

With --count N it sends N copies as a burst, as fast as the first hop takes
them: every node on the way counts them (topo status) but logs none of
them, only the burst's start and its last message's receipt; a full queue
on the way makes them wait rather than drops them. send reports the rate
at which they arrived.`,
		Example: `  topo send spoke1 spoke3 hello
  topo send -t ring node1 node4 "around we go" -o json
  topo send -- spoke1 spoke3 -v    # after --, a text may start with a dash
  topo send --count 100000 spoke1 spoke3 x    # a burst: how many a second?`,
		Args: args(cobra.MinimumNArgs(3)),
		RunE: func(cmd *cobra.Command, pos []string) error {
			if err := checkOutput(output, "text", "json"); err != nil {
				return err
			}
			if cmd.Flags().Changed("timeout") && timeout <= 0 {
				return usageError{errors.New("send: --timeout must be positive")}
			}
			if count < 1 { // 0 would be a single message to Send; the rest it checks
				return usageError{fmt.Errorf("send: --count %d, want 1 or more", count)}
			}
			o, name, closeFn, err := a.resolve(cmd.Context(), ref)
			defer closeFn()
			if err != nil {
				return err
			}
			r, err := o.Send(cmd.Context(), name, orchestrator.SendOptions{From: pos[0], To: pos[1], Text: strings.Join(pos[2:], " "), Timeout: timeout, Count: count})
			if err != nil {
				return err
			}
			if output == "json" {
				if err := writeJSON(a, r); err != nil {
					return err
				}
			} else {
				printReceipt(a, r, ref, count)
			}
			if !r.Sent() {
				return silentError{exitFailure}
			}
			return nil
		},
	}
	topologyFlag(a, cmd, &ref)
	outputFlag(cmd, &output, "text", "text", "json")
	cmd.Flags().DurationVar(&timeout, "timeout", 0, "how long to wait for the receipt (default 5s; on a ring of more than 23 nodes, 210ms a node; a burst: 1m for all of it)")
	cmd.Flags().IntVarP(&count, "count", "n", 1, "send `N` copies as a burst and report how many arrived a second")
	return cmd
}

// printReceipt says what became of a message, or of a burst of burst
// messages when burst is more than 1.
func printReceipt(a *app, r *agent.Receipt, ref string, burst int) {
	defer printMessageID(a, r, ref)
	if r.Sent() && !r.Delivered {
		fmt.Fprintf(a.stdout, "broadcast from %s sent; broadcasts ask for no receipt: `topo logs` shows every node's delivery\n", r.From)
		return
	}
	if burst > 1 {
		if r.Delivered && r.Arrived > 0 && r.Arrived < r.Count {
			fmt.Fprintf(a.stdout, "burst of %d: %d arrived %s → %s in %s by the last one, %.0f messages a second; the other %d were "+
				"dropped on the way or are still coming (`topo status` counts them); the last one's rtt %.2f ms\npath: %s\n",
				r.Count, r.Arrived, r.From, r.To, plural(max(len(r.Path)-1, 0), "hop", "hops"), r.PerSecond, r.Count-r.Arrived,
				r.RTTMs, strings.Join(r.Path, " → "))
		} else if r.Delivered {
			fmt.Fprintf(a.stdout, "burst of %d delivered %s → %s in %s: %.0f messages a second; the last one's rtt %.2f ms\npath: %s\n",
				r.Count, r.From, r.To, plural(max(len(r.Path)-1, 0), "hop", "hops"), r.PerSecond, r.RTTMs, strings.Join(r.Path, " → "))
		} else {
			fmt.Fprintf(a.stdout, "burst not delivered: %s → %s: %s after %d of %d messages\n", r.From, r.To, r.Reason, r.Count, burst)
		}
		return
	}
	if printLost(a, r) {
		return
	}
	if !r.Delivered {
		fmt.Fprintf(a.stdout, "not delivered: %s → %s: %s\n", r.From, r.To, r.Reason)
		if len(r.Path) > 0 {
			fmt.Fprintf(a.stdout, "got as far as: %s\n", strings.Join(r.Path, " → "))
		}
		return
	}
	fmt.Fprintf(a.stdout, "delivered %s → %s in %s, rtt %.2f ms\npath: %s\n",
		r.From, r.To, plural(max(len(r.Path)-1, 0), "hop", "hops"), r.RTTMs, strings.Join(r.Path, " → "))
}

// printMessageID says the message's id, and how to find it in the logs.
func printMessageID(a *app, r *agent.Receipt, ref string) {
	if r.ID == "" {
		return
	}
	t := ""
	if ref != "" {
		t = " -t " + ref
	}
	fmt.Fprintf(a.stdout, "id: %s (`topo logs%s --id %s` shows its way)\n", r.ID, t, r.ID)
}
