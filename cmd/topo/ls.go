package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/topo-dev/topo/orchestrator"
)

func newLsCmd(a *app) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "ls",
		Short: "List the running topologies",
		Example: `  topo ls
  topo ls -o json | jq -r '.[].name'`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output, "table", "json"); err != nil {
				return err
			}
			o, closeFn, err := a.open(cmd.Context(), false)
			defer closeFn()
			if err != nil {
				return err
			}
			tops, err := o.List(cmd.Context())
			if err != nil {
				return err
			}
			if output == "json" {
				return writeJSON(a, tops)
			}
			printTopologies(a, tops)
			return nil
		},
	}
	outputFlag(cmd, &output, "table", "table", "json")
	return cmd
}

func printTopologies(a *app, tops []orchestrator.TopologyInfo) {
	if len(tops) == 0 {
		fmt.Fprintln(a.stdout, "no topology is running; start one with `topo up FILE`")
		return
	}
	// HOSTS only on an engine of several hosts (a swarm), where a
	// topology's nodes run on the hosts it names.
	hosts := slices.ContainsFunc(tops, func(t orchestrator.TopologyInfo) bool { return len(t.Hosts) > 0 })
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	head := "NAME\tLAYOUT\tNODES\tAGE\tFILE"
	if hosts {
		head = "NAME\tLAYOUT\tNODES\tHOSTS\tAGE\tFILE"
	}
	fmt.Fprintln(tw, head)
	for _, t := range tops {
		nodes := fmt.Sprint(t.Nodes)
		if t.Running != t.Nodes {
			nodes = fmt.Sprintf("%d/%d running", t.Running, t.Nodes)
		}
		if hosts {
			nodes += "\t" + cmp.Or(strings.Join(t.Hosts, ","), "-")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.Name, t.Layout, nodes, age(t.Created), t.File)
	}
	tw.Flush()
	for _, t := range tops {
		if l := t.Leftover; l != nil {
			fmt.Fprintf(a.stdout, "%s: leftover of a killed test run (%s, pid %d); `%s down %s` removes it\n", t.Name, l.Binary, l.PID, cmp.Or(a.self, "topo"), t.Name)
		}
	}
}

func age(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func writeJSON(a *app, v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
