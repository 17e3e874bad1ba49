package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// upFlags are up's flags beyond the orchestrator's options.
type upFlags struct {
	dryRun bool
	output string
}

func newUpCmd(a *app) *cobra.Command {
	var opts orchestrator.UpOptions
	var f upFlags
	cmd := &cobra.Command{
		Use:   "up FILE",
		Short: "Build and start a topology, and wait until every node is wired",
		Long: `up validates FILE, builds the node image locally if needed (nothing is
pulled), creates one Docker network per segment and one container per node,
starts them, and waits until every node reports all its links up.

On any failure, timeout or Ctrl-C it removes everything it created, unless
--retain is given. Running up again on a running topology changes nothing;
on one that runs in part (an up killed mid-way, a node removed behind
topo's back) it makes what is missing and prints what it did.

On a topology that runs from an earlier version of FILE, up recreates a
node whose own settings changed (image, command, env, capabilities,
privileges) and touches no other node. Any other change (nodes, links or
segments added or removed, impairments, traffic) it refuses, printing the
difference and the command to run; nothing is touched.

--dry-run plans the topology against the engine, with the subnets up would
take now, prints that plan, and creates nothing. On a running topology it
prints instead what up would change, one operation a line in the order it
would run (-o json: typed), and whether up would refuse it.`,
		Example: `  topo up topologies/star.yaml
  topo up --name lab2 topologies/ring.yaml
  topo up --timeout 5m --max-workers 4 big.yaml
  topo up --dry-run topologies/ring.yaml`,
		Args:              args(cobra.ExactArgs(1)),
		ValidArgsFunction: yamlFiles,
		RunE: func(cmd *cobra.Command, files []string) error {
			if err := checkUpTimeout(cmd.Flags().Changed("timeout"), opts.Timeout); err != nil {
				return err
			}
			if err := checkWorkers("up", opts.MaxWorkers); err != nil {
				return err
			}
			if f.output != "text" && !f.dryRun {
				return usageError{errors.New("up: -o json prints the plan of a dry run: add --dry-run")}
			}
			return a.up(cmd.Context(), files[0], opts, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Name, "name", "", "run under this name instead of the file's")
	fl.IntVar(&opts.MaxWorkers, "max-workers", orchestrator.DefaultMaxWorkers, "nodes created and started at once (networks are made two at a time beside them)")
	fl.DurationVar(&opts.Timeout, "timeout", 0, "give up (and roll back) after this long (default 2m, or 4s a node above 30 nodes)")
	fl.BoolVar(&opts.Retain, "retain", false, "keep what was created when up fails, for debugging")
	fl.BoolVar(&f.dryRun, "dry-run", false, "print the plan up would apply, with the subnets it would take (of a running topology, what up would change), and create nothing")
	outputFlag(cmd, &f.output, "text", "text", "json")
	return cmd
}

func (a *app) up(ctx context.Context, file string, opts orchestrator.UpOptions, f upFlags) error {
	if opts.Name != "" {
		if err := topology.CheckName(opts.Name); err != nil {
			return usageError{fmt.Errorf("up: --name %w", err)}
		}
	}
	t, err := loadTopology(file)
	if err != nil {
		return err
	}
	o, closeFn, err := a.open(ctx, !f.dryRun)
	defer closeFn()
	if err != nil {
		return err
	}
	if f.dryRun {
		return a.dryRun(ctx, o, t, opts, f.output)
	}
	start := time.Now()
	res, err := o.Up(ctx, t, opts)
	if err != nil {
		return err
	}
	if res.AlreadyRunning {
		fmt.Fprintf(a.stdout, "%s is already running from %s; nothing changed\n", res.Name, file)
		printNotices(a, res.Notices)
		return nil
	}
	if len(res.Changed) > 0 {
		printChanged(a, res, time.Since(start))
		if !res.ScheduleChanged {
			return nil
		}
		// The file's schedule changed: the one that runs stops, the file's
		// starts from now.
		a.stopSchedule(ctx, o, res.Name)
		if len(res.Plan.Faults) == 0 {
			return nil
		}
		return a.startSchedule(ctx, o, res.Name, file, res.Plan.Faults, time.Now())
	}
	if len(res.Completed) > 0 {
		// It ran in part: say what was added, not the whole table again.
		fmt.Fprintf(a.stdout, "completed %s in %s:\n  %s\n", res.Name, time.Since(start).Round(10*time.Millisecond), strings.Join(res.Completed, "\n  "))
		printNotices(a, res.Notices)
		return nil
	}
	printUpSummary(a, res, time.Since(start))
	printNotices(a, res.Notices)
	if n := len(t.Expect); n > 0 {
		fmt.Fprintf(a.stderr, "note: %s expects %s: `%s check -t %s` checks those without a window now; `%s test %s` runs the faults and checks them all\n",
			file, plural(n, "thing", "things"), a.self, res.Name, a.self, file)
	}
	if len(res.Plan.Faults) > 0 {
		return a.startSchedule(ctx, o, res.Name, file, res.Plan.Faults, time.Now())
	}
	return nil
}

// dryRun prints the deployment up would apply now, and creates nothing.
func (a *app) dryRun(ctx context.Context, o orchestrator.Service, t *topology.Topology, opts orchestrator.UpOptions, output string) error {
	d, err := o.Plan(ctx, t, orchestrator.PlanOptions{Name: opts.Name})
	if err != nil {
		return err
	}
	c, err := o.Preview(ctx, d)
	if err != nil {
		return err
	}
	if c != nil {
		return a.dryRunChange(c, output)
	}
	if err := printPlan(a, d.Plan, output); err != nil {
		return err
	}
	printNotices(a, d.Notices)
	fmt.Fprintf(a.stderr, "dry run: %s planned against the engine's networks; nothing was created\n", d.Plan.Name)
	return nil
}

func printUpSummary(a *app, res *orchestrator.UpResult, took time.Duration) {
	p := res.Plan
	fmt.Fprintf(a.stdout, "%s is up: %s, ready in %s\n\n", p.Name, p.Summary(), took.Round(10*time.Millisecond))
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tROLE\tCONTAINER\tADDRESSES")
	for _, n := range p.Nodes {
		var addrs []string
		for _, s := range p.Segments {
			if ip, ok := n.Addresses[s.Name]; ok {
				addrs = append(addrs, fmt.Sprintf("%s (%s)", ip, s.Name))
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", n.Name, n.Role, engine.ContainerName(p.Name, n.Name), strings.Join(addrs, ", "))
	}
	tw.Flush()
	from, to := exampleSend(p)
	fmt.Fprintf(a.stdout, "\nnext:\n  %[1]s status %[2]s\n  %[1]s send -t %[2]s %[3]s %[4]s hello\n  %[1]s logs -t %[2]s -f\n  %[1]s down %[2]s\n",
		a.self, p.Name, from, to)
}

// exampleSend picks a pair whose path shows the layout: two spokes, two
// clients, or the first node and the one farthest from it.
func exampleSend(p *topology.Plan) (string, string) {
	from := p.Nodes[0].Name
	if len(p.Nodes) > 2 && (p.Layout == topology.Star || p.Layout == topology.ClientServer) {
		for _, n := range p.Nodes {
			if n.Role == topology.RoleHub || n.Role == topology.RoleServer {
				continue
			}
			if from == p.Nodes[0].Name && (p.Nodes[0].Role == topology.RoleHub || p.Nodes[0].Role == topology.RoleServer) {
				from = n.Name
				continue
			}
			if n.Name != from {
				return from, n.Name
			}
		}
	}
	return from, p.Nodes[len(p.Nodes)-1].Name
}

// printNotices says, on stderr, where the engine runs a topology otherwise
// than one Docker engine would.
func printNotices(a *app, notices []string) {
	for _, n := range notices {
		fmt.Fprintf(a.stderr, "note: %s\n", n)
	}
}
