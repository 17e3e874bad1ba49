package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/topo-dev/topo/internal/experiment"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// testFlags are topo test's flags.
type testFlags struct {
	name     string
	keep     bool
	reports  []string // FORMAT=PATH
	interval time.Duration
	timeout  time.Duration
	hold     time.Duration
}

func newTestCmd(a *app) *cobra.Command {
	var f testFlags
	cmd := &cobra.Command{
		Use:   "test FILE",
		Short: "Run a topology's fault timeline and check what its file expects",
		Long: `test brings the topology of FILE up (or uses it when it runs already),
probes from inside every node named in its expect: section at a steady rate
while the file's faults: timeline runs, and then checks the books, the logs
and the commands the file names. It prints one line an expectation, what
was seen and, for one that failed, the first failure with its moment on the
timeline and the faults in force then.

A topology test brought up goes down again at the end (not with --keep); a
topology that ran already is left running. Exit status: 0 when every
expectation held, 1 when one did not or the run could not be made, 2 for bad
usage or an invalid file.

--report junit=PATH writes JUnit XML for CI systems, --report json=PATH the
whole report for scripts; both may be given, PATH - is standard output.
Probes run in a short-lived helper in each node's network namespace, as
nobody and with no capability, so they work for any image.`,
		Example: `  topo test topologies/client-server-flap.yaml
  topo test --report junit=report.xml lab.yaml
  topo test --keep --interval 100ms lab.yaml`,
		Args:              args(cobra.ExactArgs(1)),
		ValidArgsFunction: yamlFiles,
		RunE: func(cmd *cobra.Command, files []string) error {
			return a.test(cmd.Context(), files[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.name, "name", "", "run under this name instead of the file's")
	fl.BoolVar(&f.keep, "keep", false, "leave the topology running afterwards")
	f.probeFlags(cmd, experiment.DefaultHold, "how long to watch a file whose expectations and faults name no moment")
	return cmd
}

// probeFlags are the flags test and check share: the reports and how the
// probes go.
func (f *testFlags) probeFlags(cmd *cobra.Command, hold time.Duration, holdUsage string) {
	fl := cmd.Flags()
	fl.StringArrayVar(&f.reports, "report", nil, "write a report: junit=PATH or json=PATH (repeatable; PATH - is stdout)")
	fl.DurationVar(&f.interval, "interval", experiment.DefaultInterval, "time between two tries of a target")
	fl.DurationVar(&f.timeout, "probe-timeout", experiment.DefaultTimeout, "a try gives up after this long")
	fl.DurationVar(&f.hold, "hold", hold, holdUsage)
}

// reportOut is one --report: a format and where it goes.
type reportOut struct{ format, path string }

// parseReports checks --report values before anything runs.
func parseReports(values []string) ([]reportOut, error) {
	var out []reportOut
	for _, v := range values {
		format, path, ok := strings.Cut(v, "=")
		if !ok || path == "" || !slices.Contains([]string{"junit", "json"}, format) {
			return nil, usageError{fmt.Errorf("--report %q: want junit=PATH or json=PATH", v)}
		}
		out = append(out, reportOut{format, path})
	}
	return out, nil
}

func checkProbeTimes(interval, timeout, hold time.Duration) error {
	switch {
	case interval < 10*time.Millisecond:
		return usageError{fmt.Errorf("--interval %v: want at least 10ms", interval)}
	case timeout <= 0 || timeout > time.Minute:
		return usageError{fmt.Errorf("--probe-timeout %v: want above 0 and at most 1m", timeout)}
	case hold <= 0 || hold > 24*time.Hour:
		return usageError{fmt.Errorf("--hold %v: want above 0 and at most 24h", hold)}
	}
	return nil
}

func (a *app) test(ctx context.Context, file string, f testFlags) error {
	reports, err := parseReports(f.reports)
	if err != nil {
		return err
	}
	if err := checkProbeTimes(f.interval, f.timeout, f.hold); err != nil {
		return err
	}
	if f.name != "" {
		if err := topology.CheckName(f.name); err != nil {
			return usageError{fmt.Errorf("test: --name %w", err)}
		}
	}
	t, err := loadTopology(file)
	if err != nil {
		return err
	}
	if len(t.Expect) == 0 {
		return usageError{fmt.Errorf("test: %s expects nothing: add an expect: section (see the README, Testing your software)", file)}
	}
	o, closeFn, err := a.open(ctx, true)
	defer closeFn()
	if err != nil {
		return err
	}
	name, started, err := a.testTopology(ctx, o, t, f.name)
	if err != nil {
		return err
	}
	if started && !f.keep {
		defer a.testDown(ctx, o, name)
	}
	opts := experiment.Options{Interval: f.interval, Timeout: f.timeout, Hold: f.hold, Progress: a.testProgress(),
		Timeline: a.markedTimeline(o, name, t.Faults)}
	rep, err := experiment.Run(ctx, o, name, t, opts)
	if err != nil {
		return err
	}
	return a.finishReport(rep, reports)
}

// testTopology brings the file's topology up, unless it runs already, and
// says whether it did.
func (a *app) testTopology(ctx context.Context, o orchestrator.Service, t *topology.Topology, name string) (string, bool, error) {
	if name == "" {
		name = t.Name
	}
	tops, err := o.List(ctx)
	if err != nil {
		return "", false, err
	}
	for _, top := range tops {
		if top.Name != name {
			continue
		}
		if runners, err := o.ScheduleRunners(ctx, name); err != nil || len(runners) > 0 {
			return "", false, errors.Join(err, fmt.Errorf("test: a fault schedule runs on %s already; wait until it is over, or `%s down %s` first", name, a.self, name))
		}
		fmt.Fprintf(a.stderr, "%s runs already: testing it as it is, and leaving it running\n", name)
		return name, false, nil
	}
	start := time.Now()
	res, err := o.Up(ctx, t, orchestrator.UpOptions{Name: name})
	if err != nil {
		return "", false, err
	}
	fmt.Fprintf(a.stderr, "%s is up: %s, ready in %s\n", res.Name, res.Plan.Summary(), time.Since(start).Round(10*time.Millisecond))
	return res.Name, true, nil
}

// testDown takes down the topology a test brought up, even after Ctrl-C.
func (a *app) testDown(ctx context.Context, o orchestrator.Service, name string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
	defer cancel()
	if _, err := o.Down(ctx, name, orchestrator.DownOptions{}); err != nil {
		fmt.Fprintf(a.stderr, "warning: %v; `%s down %s` removes the rest\n", err, a.self, name)
		return
	}
	fmt.Fprintf(a.stderr, "removed %s\n", name)
}

// markedTimeline runs the fault timeline under a schedule marker, so that
// `topo down` from anywhere stops it as it stops up's schedule.
func (a *app) markedTimeline(o orchestrator.Service, name string, faults []topology.ScheduledFault) func(context.Context, time.Time, func(orchestrator.StepDone)) error {
	return func(ctx context.Context, start time.Time, observe func(orchestrator.StepDone)) error {
		run, release, err := o.MarkSchedule(ctx, name, orchestrator.ScheduleRunner{PID: os.Getpid(), Host: hostID(), Start: start})
		if err != nil {
			return err
		}
		defer release()
		return o.RunTimeline(run, name, faults, start, observe)
	}
}

// testProgress prints how the run goes on stderr, one line at a time.
func (a *app) testProgress() func(string) {
	return func(line string) { fmt.Fprintf(a.stderr, "  %s\n", line) }
}

// finishReport writes the reports and prints the text one; an expectation
// that did not hold makes the exit status 1.
func (a *app) finishReport(rep *experiment.Report, reports []reportOut) error {
	var errs []error
	for _, r := range reports {
		errs = append(errs, a.writeReport(rep, r))
	}
	if err := rep.WriteText(a.stdout); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if !rep.Passed() {
		return silentError{code: exitFailure}
	}
	return nil
}

func (a *app) writeReport(rep *experiment.Report, r reportOut) error {
	write := rep.WriteJSON
	if r.format == "junit" {
		write = rep.WriteJUnit
	}
	if r.path == "-" {
		return write(a.stdout)
	}
	out, err := os.Create(r.path)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := write(out); err != nil {
		out.Close()
		return fmt.Errorf("report %s: %w", r.path, err)
	}
	return out.Close()
}
