package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/topo-dev/topo/internal/experiment"
	"github.com/topo-dev/topo/orchestrator"
)

func newCheckCmd(a *app) *cobra.Command {
	var f testFlags
	var ref string
	cmd := &cobra.Command{
		Use:   "check [-t TOPOLOGY] [FILE]",
		Short: "Check a running topology against the expectations of its file, now",
		Long: `check evaluates, against a running topology, the expectations of its
file that name no moment of the fault timeline (no during:, no
recovers-within:): reachability is probed for --hold (default 2s), the books
are read as they stand (messages younger than 10s are taken to be under way),
logs and commands are checked once. Nothing is brought up, no fault is
applied, traffic keeps running.

The file is the one the topology was started from, or FILE. Exit status: 0
when every expectation checked held, 1 otherwise.`,
		Example: `  topo check
  topo check -t lab2
  topo check --report junit=check.xml topologies/star.yaml`,
		Args:              args(cobra.MaximumNArgs(1)),
		ValidArgsFunction: yamlFiles,
		RunE: func(cmd *cobra.Command, files []string) error {
			file := ""
			if len(files) == 1 {
				file = files[0]
			}
			return a.check(cmd.Context(), ref, file, f)
		},
	}
	topologyFlag(a, cmd, &ref)
	f.probeFlags(cmd, checkHold, "how long to probe")
	return cmd
}

// checkHold is how long check probes by default.
const checkHold = 2 * time.Second

func (a *app) check(ctx context.Context, ref, file string, f testFlags) error {
	reports, err := parseReports(f.reports)
	if err != nil {
		return err
	}
	if err := checkProbeTimes(f.interval, f.timeout, f.hold); err != nil {
		return err
	}
	if ref == "" && file != "" {
		ref = file
	}
	o, name, closeFn, err := a.resolve(ctx, ref)
	defer closeFn()
	if err != nil {
		return err
	}
	if file == "" {
		file, err = startedFrom(ctx, o, name)
		if err != nil {
			return err
		}
		if file == "" {
			return usageError{fmt.Errorf("check: %s does not say which file it was started from; name it: `%s check -t %s FILE`", name, a.self, name)}
		}
	}
	t, err := loadTopology(file)
	if err != nil {
		return err
	}
	opts := experiment.Options{Interval: f.interval, Timeout: f.timeout, Hold: f.hold, Now: true, Progress: a.testProgress()}
	rep, err := experiment.Run(ctx, o, name, t, opts)
	if err != nil {
		return err
	}
	return a.finishReport(rep, reports)
}

// startedFrom is the file topology name was started from, as `topo ls`
// has it (its containers' label): all of its status check needs.
func startedFrom(ctx context.Context, o orchestrator.Service, name string) (string, error) {
	tops, err := o.List(ctx)
	if err != nil {
		return "", err
	}
	for _, t := range tops {
		if t.Name == name {
			return t.File, nil
		}
	}
	return "", fmt.Errorf("check: %w", orchestrator.ErrNoTopology)
}
