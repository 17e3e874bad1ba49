package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

type downFlags struct {
	topology   string
	all        bool
	yes        bool
	maxWorkers int
}

func newDownCmd(a *app) *cobra.Command {
	var f downFlags
	cmd := &cobra.Command{
		Use:   "down [FILE|NAME]",
		Short: "Remove a topology's containers and networks",
		Long: `down removes every container and network labelled with the topology's
name. It reads the labels back from Docker, so it works when the file is gone.
It exits 0 when there is nothing to remove. --all asks first on a terminal;
a script says --yes.`,
		Example: `  topo down            # the only running topology
  topo down star
  topo down topologies/ring.yaml
  topo down --all      # lists them and asks
  topo down --all --yes`,
		Args: args(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, pos []string) error {
			ref := f.topology
			if len(pos) == 1 {
				if ref != "" && ref != pos[0] {
					return usageError{errors.New("down: give the topology either as an argument or with -t, not both")}
				}
				ref = pos[0]
			}
			if err := checkRef(ref); err != nil {
				return err
			}
			if err := checkWorkers("down", f.maxWorkers); err != nil {
				return err
			}
			if f.all && !f.yes && !a.interactive() {
				return usageError{errors.New("down: --all removes every topology, and there is no terminal to ask on; pass --yes to remove them all")}
			}
			return a.down(cmd.Context(), ref, f)
		},
		ValidArgsFunction: a.completeTopologies,
	}
	topologyFlag(a, cmd, &f.topology)
	cmd.Flags().BoolVar(&f.all, "all", false, "remove every topology topo created (asks first on a terminal)")
	cmd.Flags().BoolVarP(&f.yes, "yes", "y", false, "with --all: do not ask")
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
		if !f.yes {
			ok, err := a.confirmDownAll(ctx, o)
			if err != nil || !ok {
				return err
			}
		}
		if tops, err := o.List(ctx); err == nil {
			for _, t := range tops {
				a.stopSchedule(ctx, o, t.Name) // a fault schedule must not act on what goes
			}
		}
		names, err := o.DownAll(ctx, orchestrator.DownOptions{MaxWorkers: f.maxWorkers})
		if len(names) == 0 && err == nil {
			fmt.Fprintln(a.stdout, "nothing to remove")
		}
		for _, n := range names {
			fmt.Fprintf(a.stdout, "removed %s\n", n)
		}
		return err
	}
	name, why, err := o.ResolveWhy(ctx, ref)
	sayPicked(a.stderr, name, why)
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
	a.stopSchedule(ctx, o, name) // a fault schedule must not act on what goes
	res, err := o.Down(ctx, name, orchestrator.DownOptions{MaxWorkers: f.maxWorkers})
	if err != nil {
		return err
	}
	if res.Containers == 0 && res.Networks == 0 {
		fmt.Fprintf(a.stdout, "nothing to remove: %s is not running\n", name)
		return nil
	}
	fmt.Fprintf(a.stdout, "removed %s: %s, %s\n", name, plural(res.Containers, "container", "containers"), plural(res.Networks, "network", "networks"))
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

// interactive says whether a person can be asked: stdin and stderr are a
// terminal.
func (a *app) interactive() bool {
	if a.tty != nil {
		return a.tty()
	}
	in, ok1 := a.stdin.(*os.File)
	errf, ok2 := a.stderr.(*os.File)
	return ok1 && ok2 && term.IsTerminal(int(in.Fd())) && term.IsTerminal(int(errf.Fd()))
}

// confirmDownAll lists what down --all would remove and asks. Nothing
// running needs no answer.
func (a *app) confirmDownAll(ctx context.Context, o orchestrator.Service) (bool, error) {
	tops, err := o.List(ctx)
	if err != nil || len(tops) == 0 {
		return true, err
	}
	names := make([]string, len(tops))
	for i, t := range tops {
		names[i] = t.Name
	}
	if !confirm(a.stdin, a.stderr, fmt.Sprintf("remove %s: %s?", plural(len(names), "topology", "topologies"), strings.Join(names, ", "))) {
		fmt.Fprintln(a.stderr, "nothing removed")
		return false, nil
	}
	return true, nil
}

// confirm asks question, and says yes only to y or yes.
func confirm(in io.Reader, out io.Writer, question string) bool {
	fmt.Fprintf(out, "%s [y/N] ", question)
	answer, _ := bufio.NewReader(in).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return true
	}
	return false
}
