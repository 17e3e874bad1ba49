package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	topolib "github.com/topo-dev/topo"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// Exit codes: 0 success, 1 a runtime failure, 2 bad usage or an invalid file.
const (
	exitFailure = 1
	exitUsage   = 2
)

// usageError marks errors that exit with code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// silentError exits non-zero without printing: the command already said why.
type silentError struct{ code int }

func (e silentError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// app holds what every command shares.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	debug          bool
	engine         string      // --engine: docker or swarm
	tty            func() bool // can a person be asked? nil: stdin and stderr are a terminal
	// self is how the user started topo ("topo", "./topo", "go run
	// ./cmd/topo"), for the commands topo suggests.
	self string
	// connect opens the orchestrator; nil is topo.Open on the engine.
	// Tests give a fake.
	connect func(ctx context.Context, opts topolib.Options) (orchestrator.Service, func(), error)
}

func (a *app) logger() *slog.Logger {
	level := slog.LevelWarn
	if a.debug {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: level}))
}

// run executes the topo command line and returns the process exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runAs(ctx, "topo", args, stdin, stdout, stderr)
}

// runAs is run for a topo the user started as self.
func runAs(ctx context.Context, self string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runApp(ctx, &app{stdin: stdin, stdout: stdout, stderr: stderr, self: self}, args)
}

// runApp runs the command line with a, whose connect the tests may set.
func runApp(ctx context.Context, a *app, args []string) int {
	stdin, stdout, stderr := a.stdin, a.stdout, a.stderr
	root := newRootCmd(a)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var se silentError
	if errors.As(err, &se) {
		return se.code
	}
	var el topology.ErrorList
	if errors.As(err, &el) {
		for _, e := range el {
			fmt.Fprintln(stderr, e.Error())
		}
		return exitUsage
	}
	fmt.Fprintln(stderr, "topo:", clipLong(err.Error()))
	var ue usageError
	if errors.As(err, &ue) || errors.Is(err, orchestrator.ErrAmbiguous) || errors.Is(err, orchestrator.ErrNoNode) ||
		errors.Is(err, orchestrator.ErrBadBurst) || errors.Is(err, topology.ErrBadFile) {
		return exitUsage
	}
	return exitFailure
}

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "topo",
		Short: "Containerized network topologies from a YAML file",
		Long: `topo builds a network topology (star, ring, bus, p2p, client-server or
a custom graph) out of Docker containers and networks, from one YAML file.
Every node runs a small agent that wires itself to its neighbours and
exchanges TCP or UDP messages the way the layout dictates.`,
		Example: `  topo up topologies/star.yaml
  topo status
  topo send spoke1 spoke3 hello
  topo logs -f
  topo down`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().BoolVar(&a.debug, "debug", false, "print diagnostic logs to stderr")
	root.PersistentFlags().StringVar(&a.engine, "engine", defaultEngine(),
		"where topologies run: docker (one engine) or swarm (the swarm the Docker endpoint manages); default $"+topolib.EngineEnv+", else docker")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w (see `%s --help`)", err, c.CommandPath())}
	})
	root.AddCommand(
		newValidateCmd(a),
		newGraphCmd(a),
		newUpCmd(a),
		newDownCmd(a),
		newLsCmd(a),
		newStatusCmd(a),
		newLogsCmd(a),
		newSendCmd(a),
		newTraceCmd(a),
		newTestCmd(a),
		newCheckCmd(a),
		newCaptureCmd(a),
		newScheduleCmd(a),
		newLinkCmd(a),
		newImpairCmd(a),
		newPartitionCmd(a),
		newHealCmd(a),
		newNodeCmd(a),
		newFaultsCmd(a),
		newTrafficCmd(a),
		newUICmd(a),
		newExecCmd(a),
		newBuildCmd(a),
		newExportCmd(a),
	)
	for _, c := range root.Commands() {
		if shape, ok := argShapes[c.Name()]; ok && c.ValidArgsFunction == nil {
			c.ValidArgsFunction = completeArgs(shape, a.nodeNames)
		}
	}
	return root
}

// argShapes say what the positional arguments of the commands that take
// node names are, for shell completion: "NODE" is a node of the running
// topology, "NODE..." node names from there on, anything else a list of
// words.
var argShapes = map[string][]string{
	"send":    {"NODE", "NODE"},
	"exec":    {"NODE"},
	"logs":    {"NODE..."},
	"trace":   {"NODE", "NODE"},
	"capture": {"NODE", "NODE"},
	"link":    {"NODE", "NODE", "down|up"},
	"node":    {actionWords(), "NODE..."},
	"traffic": {"on|off"},
}

func actionWords() string {
	var acts []string
	for _, act := range engine.Actions {
		acts = append(acts, string(act))
	}
	return strings.Join(acts, "|")
}

// completeArgs completes positional arguments of the given shape, with
// nodes naming the nodes of the topology -t names (or the one running).
func completeArgs(shape []string, nodes func(ctx context.Context, ref string) ([]string, error)) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		last := shape[len(shape)-1]
		kind := last
		switch {
		case len(args) < len(shape):
			kind = shape[len(args)]
		case !strings.HasSuffix(last, "..."):
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		if !strings.HasPrefix(kind, "NODE") {
			return strings.Split(kind, "|"), cobra.ShellCompDirectiveNoFileComp
		}
		ref, _ := cmd.Flags().GetString("topology")
		names, err := nodes(cmd.Context(), ref)
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		if strings.HasSuffix(kind, "...") { // each node once
			names = slices.DeleteFunc(names, func(n string) bool { return slices.Contains(args, n) })
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}

// nodeNames lists the nodes of the running topology ref names.
func (a *app) nodeNames(ctx context.Context, ref string) ([]string, error) {
	o, name, closeFn, err := a.resolve(ctx, ref)
	defer closeFn()
	if err != nil {
		return nil, err
	}
	ns, err := o.Nodes(ctx, name)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(ns))
	for i, n := range ns {
		names[i] = n.Name
	}
	return names, nil
}

// args wraps a cobra argument check so that its failure exits with code 2.
func args(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, a []string) error {
		if err := check(cmd, a); err != nil {
			return usageError{fmt.Errorf("%s: %w (see `%s --help`)", cmd.Name(), err, cmd.CommandPath())}
		}
		return nil
	}
}

// outputFlag registers -o with the allowed formats and completes them.
func outputFlag(cmd *cobra.Command, p *string, def string, allowed ...string) {
	cmd.Flags().StringVarP(p, "output", "o", def, "output format: "+joinOr(allowed))
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(allowed, cobra.ShellCompDirectiveNoFileComp))
}

func checkOutput(v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return usageError{fmt.Errorf("unknown output format %q; use %s", v, joinOr(allowed))}
}

func joinOr(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	out := s[0]
	for _, x := range s[1 : len(s)-1] {
		out += ", " + x
	}
	return out + " or " + s[len(s)-1]
}

// longWord is a run of text no name or path of a user's would make: an
// error that repeats what was typed (a 5,000-character argument) shows its
// start, not a screenful. Quotes and punctuation end a word, so that a
// clipped name keeps them.
var longWord = regexp.MustCompile(`[^\s"':;,]{257,}`)

// clipLong shortens each over-long word of an error message to maxEcho
// characters and "…". Checks that echo input clip it themselves; this is
// the backstop for the ones that do not.
func clipLong(msg string) string {
	return longWord.ReplaceAllStringFunc(msg, clip)
}
