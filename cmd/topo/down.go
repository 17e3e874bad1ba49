package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

type downFlags struct {
	topology   string
	all        bool
	maxWorkers int
}

func newDownCmd(a *app) *cobra.Command {
	var f downFlags
	cmd := &cobra.Command{
		Use:   "down [FILE|NAME]",
		Short: "Remove a topology's containers and networks",
		Long: `down removes every container and network labelled with the topology's
name. It reads the labels back from Docker, so it works when the file is gone.
It exits 0 when there is nothing to remove.`,
		Example: `  topo down            # the only running topology
  topo down star
  topo down topologies/ring.yaml
  topo down --all`,
		Args: args(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, pos []string) error {
			ref := f.topology
			if len(pos) == 1 {
				if ref != "" && ref != pos[0] {
					return usageError{errors.New("down: give the topology either as an argument or with -t, not both")}
				}
				ref = pos[0]
			}
			return a.down(cmd.Context(), ref, f)
		},
		ValidArgsFunction: a.completeTopologies,
	}
	topologyFlag(a, cmd, &f.topology)
	cmd.Flags().BoolVar(&f.all, "all", false, "remove every topology topo created")
	cmd.Flags().IntVar(&f.maxWorkers, "max-workers", orchestrator.DefaultMaxWorkers, "engine calls in flight at once")
	return cmd
}

func (a *app) down(ctx context.Context, ref string, f downFlags) error {
	o, closeFn, err := a.open(ctx, true)
	defer closeFn()
	if err != nil {
		return err
	}
	if f.all {
		names, err := o.DownAll(ctx, orchestrator.DownOptions{MaxWorkers: f.maxWorkers})
		if len(names) == 0 && err == nil {
			fmt.Fprintln(a.stdout, "nothing to remove")
		}
		for _, n := range names {
			fmt.Fprintf(a.stdout, "removed %s\n", n)
		}
		return err
	}
	name, err := o.Resolve(ctx, ref)
	switch {
	case errors.Is(err, orchestrator.ErrNoTopology):
		// Nothing is running under that name; leftovers of a failed
		// --retain run may still be there, so try the plain name.
		name = downName(ref)
		if name == "" {
			fmt.Fprintln(a.stdout, "nothing to remove")
			return nil
		}
	case err != nil:
		return err
	}
	res, err := o.Down(ctx, name, orchestrator.DownOptions{MaxWorkers: f.maxWorkers})
	if err != nil {
		return err
	}
	if res.Containers == 0 && res.Networks == 0 {
		fmt.Fprintf(a.stdout, "nothing to remove: %s is not running\n", name)
		return nil
	}
	fmt.Fprintf(a.stdout, "removed %s: %d containers, %d networks\n", name, res.Containers, res.Networks)
	return nil
}

// downName is the topology name a reference names when nothing runs under
// it: the file's topology name, or the reference itself.
func downName(ref string) string {
	if ref == "" {
		return ""
	}
	if st, err := os.Stat(ref); err == nil && !st.IsDir() {
		if t, err := topology.Load(ref); err == nil {
			return t.Name
		}
		return strings.TrimSuffix(filepath.Base(ref), filepath.Ext(ref))
	}
	return ref
}
