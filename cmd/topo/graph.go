package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/topo-dev/topo/topology"
)

func newGraphCmd(a *app) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "graph FILE",
		Short: "Draw a topology as Graphviz dot or Mermaid",
		Long: `graph prints the nodes and segments of a topology. A point-to-point
segment is an edge; a shared segment (a bus, a LAN) is a vertex of its own
joined to each member, so that a bus looks like a bus.`,
		Example: `  topo graph topologies/bus.yaml | dot -Tpng > bus.png
  topo graph -o mermaid topologies/star.yaml`,
		Args:              args(cobra.ExactArgs(1)),
		ValidArgsFunction: yamlFiles,
		RunE: func(cmd *cobra.Command, files []string) error {
			if err := checkOutput(output, "dot", "mermaid"); err != nil {
				return err
			}
			plan, err := loadPlan(a, files[0])
			if err != nil {
				return err
			}
			if output == "mermaid" {
				fmt.Fprint(a.stdout, topology.RenderMermaid(plan))
				return nil
			}
			fmt.Fprint(a.stdout, topology.RenderDOT(plan))
			return nil
		},
	}
	outputFlag(cmd, &output, "dot", "dot", "mermaid")
	return cmd
}
