package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

type validateFlags struct {
	plan   bool
	output string
}

func newValidateCmd(a *app) *cobra.Command {
	var f validateFlags
	cmd := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check topology files and show their plan",
		Long: `validate decodes each file strictly, checks it, and plans it: segments,
subnets, addresses and routes. It prints "ok FILE (layout, N nodes, M segments)"
per good file, and every problem of a bad one as FILE:LINE:COL: message.
It exits 2 when any file is invalid. It needs no Docker.`,
		Example: `  topo validate topologies/*.yaml
  topo validate --plan topologies/ring.yaml
  topo validate --plan -o json topologies/star.yaml`,
		Args:              args(cobra.MinimumNArgs(1)),
		ValidArgsFunction: yamlFiles,
		RunE: func(cmd *cobra.Command, files []string) error {
			if err := checkOutput(f.output, "text", "json"); err != nil {
				return err
			}
			if f.output == "json" && !f.plan {
				return usageError{errors.New("validate: -o json prints the plan: add --plan")}
			}
			var all topology.ErrorList
			unreadable := false
			for _, file := range files {
				plan, err := loadPlan(a, file)
				var el topology.ErrorList
				switch {
				case errors.As(err, &el):
					all = append(all, el...)
					continue
				case err != nil:
					// Said at once; the other files still get their verdict.
					fmt.Fprintln(a.stderr, "topo:", clipLong(err.Error()))
					unreadable = true
					continue
				}
				if err := printValidated(a, file, plan, f); err != nil {
					return err
				}
			}
			if len(all) > 0 {
				return all
			}
			if unreadable {
				return silentError{exitUsage}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&f.plan, "plan", false, "print the plan: segments, subnets, addresses, neighbours and routes")
	outputFlag(cmd, &f.output, "text", "text", "json")
	return cmd
}

func printValidated(a *app, file string, plan *topology.Plan, f validateFlags) error {
	if !f.plan {
		fmt.Fprintf(a.stdout, "ok %s (%s)\n", file, plan.Summary())
		return nil
	}
	return printPlan(a, plan, f.output)
}

// printPlan prints a plan as text or as indented JSON.
func printPlan(a *app, plan *topology.Plan, output string) error {
	if output == "json" {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(plan)
	}
	fmt.Fprint(a.stdout, plan.String())
	return nil
}

// loadPlan loads a topology file and plans it with default options.
func loadPlan(a *app, file string) (*topology.Plan, error) {
	if name, ok := runningName(file); ok {
		return livePlan(a, name)
	}
	t, err := loadTopology(file)
	if err != nil {
		return nil, err
	}
	return topology.BuildPlan(t, topology.PlanOptions{})
}

// loadTopology loads a topology file. A file that cannot be read is the
// user's to fix, like an invalid one: both exit with code 2.
func loadTopology(file string) (*topology.Topology, error) {
	t, err := topology.Load(file)
	var el topology.ErrorList
	if err != nil && !errors.As(err, &el) {
		return nil, usageError{err}
	}
	return t, err
}

// yamlFiles completes topology file names.
func yamlFiles(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return []string{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
}

// runningName reports whether arg names a running topology rather than a
// file: no file of that name exists, and it is a valid topology name.
func runningName(arg string) (string, bool) {
	if _, err := os.Stat(arg); err == nil || topology.CheckName(arg) != nil {
		return "", false
	}
	return arg, true
}

// livePlan is the plan a running topology was created from, read back from
// the engine: its real subnets and addresses, which a fresh plan of the
// file may not give when other networks exist.
func livePlan(a *app, name string) (*topology.Plan, error) {
	ctx := context.Background()
	o, closeFn, err := (&app{stdout: io.Discard, stderr: io.Discard, engine: a.engine}).open(ctx, false)
	defer closeFn()
	if err != nil {
		return nil, usageError{fmt.Errorf("%s: no such file (and no Docker engine to ask for a running topology of that name: %w)", name, err)}
	}
	p, err := o.AppliedPlan(ctx, name)
	if errors.Is(err, orchestrator.ErrNoTopology) {
		return nil, usageError{fmt.Errorf("%s: no such file, and no running topology of that name", name)}
	}
	return p, err
}
