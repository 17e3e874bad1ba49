package main

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/topo-dev/topo/internal/compose"
	"github.com/topo-dev/topo/topology"
)

func newExportCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "export FORMAT FILE",
		Short:   "Write a topology in another tool's format",
		Long:    `export writes a topology in another tool's format. The only format is compose.`,
		Example: `  topo export compose topologies/client-server.yaml -o compose.yaml`,
		Args:    args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageError{fmt.Errorf("export: say which format, e.g. `topo export compose FILE` (see `%s --help`)", cmd.CommandPath())}
		},
	}
	cmd.AddCommand(newExportComposeCmd(a))
	return cmd
}

type exportComposeFlags struct {
	output  string
	name    string
	offline bool
	pool    string
}

func newExportComposeCmd(a *app) *cobra.Command {
	var f exportComposeFlags
	cmd := &cobra.Command{
		Use:   "compose FILE",
		Short: "Write a topology as a Docker Compose file",
		Long: `compose writes a Docker Compose file (format 2.4, for docker-compose 1.29)
that builds the same topology as topo up: the same networks, subnets and
gateways, the same containers, addresses, node config, labels and
least-privilege settings. topo status, send, logs and down work on it as on
a topology topo started.

Its nodes run the local image topo-node:latest: make it with ` + "`topo build`" + `.
Its subnets are fixed in the file: chosen, as topo up would choose them, to
steer clear of the networks on this engine now; --offline takes the file's
plan alone, as ` + "`topo validate --plan`" + ` prints it, without asking the engine. Link
impairments (delay, jitter, loss, rate) travel in each node's config
(TOPO_NODE_CONFIG), and the agents apply them, as under topo up.

Whatever compose cannot express is refused (exit 2) with the feature named,
rather than exported as a different topology.`,
		Example: `  topo build
  topo export compose topologies/client-server.yaml -o compose.yaml
  docker-compose up -d && docker-compose logs
  topo status client-server
  docker-compose down`,
		Args:              args(cobra.ExactArgs(1)),
		ValidArgsFunction: yamlFiles,
		RunE: func(cmd *cobra.Command, files []string) error {
			return a.exportCompose(cmd.Context(), files[0], f)
		},
	}
	cmd.Flags().StringVarP(&f.output, "output", "o", "", "write the compose file to this path instead of stdout")
	cmd.Flags().BoolVar(&f.offline, "offline", false, "plan from the file alone, without steering clear of this engine's networks")
	cmd.Flags().StringVar(&f.name, "name", "", "export under this name instead of the file's")
	cmd.Flags().StringVar(&f.pool, "pool", "", "take the subnets from this private IPv4 block instead of the file's network.pool")
	return cmd
}

func (a *app) exportCompose(ctx context.Context, file string, f exportComposeFlags) error {
	var avoid []netip.Prefix
	if !f.offline {
		var err error
		if avoid, err = a.engineSubnets(ctx); err != nil {
			fmt.Fprintf(a.stderr, "note: %v; the subnets are the file's plan, as with --offline\n", err)
		}
	}
	return a.exportComposeWith(compose.Export, file, f, avoid)
}

// engineSubnets are the subnets the engine's networks use now.
func (a *app) engineSubnets(ctx context.Context) ([]netip.Prefix, error) {
	o, closeFn, err := a.open(ctx, false)
	defer closeFn()
	if err != nil {
		return nil, err
	}
	return o.Subnets(ctx)
}

// exportComposeWith is exportCompose with the exporter given, so that a
// test can reach the refusal of what compose cannot express: no topology
// file holds such a thing today.
func (a *app) exportComposeWith(export func(*topology.Plan, compose.Options) ([]byte, error), file string, f exportComposeFlags, avoid []netip.Prefix) error {
	if f.name != "" {
		if err := topology.CheckName(f.name); err != nil {
			return usageError{fmt.Errorf("export compose: --name %w", err)}
		}
	}
	t, err := loadTopology(file)
	if err != nil {
		return err
	}
	if f.pool != "" {
		if err := topology.CheckPool(f.pool); err != nil {
			return usageError{fmt.Errorf("export compose: --pool: %w", err)}
		}
		t.Network.Pool, t.Network.PoolSet = f.pool, true
	}
	plan, err := topology.BuildPlan(t, topology.PlanOptions{Name: f.name, Avoid: avoid})
	if err != nil {
		return err
	}
	out, err := export(plan, compose.Options{
		File:     labelPath(file, f.output),
		PlanHash: t.Hash(),
	})
	if errors.Is(err, compose.ErrUnsupported) {
		return usageError{fmt.Errorf("%w\nto export %s, remove what compose cannot express from it", err, file)}
	}
	if err != nil {
		return err
	}
	if f.output == "" {
		_, err := a.stdout.Write(out)
		return err
	}
	if err := os.WriteFile(f.output, out, 0o644); err != nil {
		return fmt.Errorf("export compose: %w", err)
	}
	fmt.Fprintf(a.stderr, "wrote %s; run it with `docker-compose -f %s up -d` after `topo build`\n", f.output, f.output)
	return nil
}

// labelPath is the topology file as the export's topo.file label names it:
// relative to the compose file written to output, or as given when the
// export goes to stdout. Either way it is the same on every machine, unlike
// an absolute path.
func labelPath(file, output string) string {
	if output == "" {
		return filepath.ToSlash(filepath.Clean(file))
	}
	absFile, err1 := filepath.Abs(file)
	absOut, err2 := filepath.Abs(output)
	if err1 != nil || err2 != nil {
		return filepath.ToSlash(filepath.Clean(file))
	}
	rel, err := filepath.Rel(filepath.Dir(absOut), absFile)
	if err != nil {
		return filepath.ToSlash(filepath.Clean(file))
	}
	return filepath.ToSlash(rel)
}
