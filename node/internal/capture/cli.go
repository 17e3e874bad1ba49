package capture

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/topo-dev/topo/agent"
)

// Main runs the capture verb with its arguments (after the verb) and
// returns the agent's exit code. It writes pcapng to stdout and, at the
// end, the agent.CaptureSummary as one line of JSON to stderr, the last
// line there, even when the capture failed partway.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opts, err := parseArgs(args, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "topo-node %s: %v\n", agent.VerbCapture, err)
		return agent.ExitUsage
	}
	sum, err := Run(ctx, opts, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "topo-node %s: %v\n", agent.VerbCapture, err)
	}
	if js, jerr := json.Marshal(sum); jerr == nil {
		fmt.Fprintf(stderr, "%s\n", js)
	}
	if err != nil {
		return agent.ExitFailure
	}
	return agent.ExitOK
}

// multi is a flag that may be given many times.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

// parseArgs reads the command line agent.CaptureCommand writes.
func parseArgs(args []string, stderr io.Writer) (agent.CaptureOptions, error) {
	fs := flag.NewFlagSet(agent.VerbCapture, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var addrs, names multi
	var opts agent.CaptureOptions
	fs.Var(&addrs, "addr", "capture the interface with address `ADDR` (repeatable)")
	fs.Var(&names, "name", "describe the interface of ADDR as NAME: `ADDR=NAME` (repeatable)")
	fs.StringVar(&opts.Filter, "filter", "", "keep only the packets `EXPR` matches: "+agent.CaptureFilterHelp)
	fs.IntVar(&opts.Count, "count", 0, "stop after `N` packets (0: no limit)")
	fs.DurationVar(&opts.Duration, "duration", 0, "stop after `D` (0: until stopped)")
	fs.IntVar(&opts.SnapLen, "snaplen", agent.DefaultSnapLen, "keep at most `N` bytes of each packet")
	if err := fs.Parse(args); err != nil {
		return opts, err
	}
	switch {
	case fs.NArg() > 0:
		return opts, fmt.Errorf("unexpected %q", fs.Arg(0))
	case len(addrs) == 0:
		return opts, errors.New("want at least one --addr")
	case opts.Count < 0 || opts.Duration < 0:
		return opts, errors.New("--count and --duration: want 0 or more")
	case opts.SnapLen < 64 || opts.SnapLen > 262144:
		return opts, fmt.Errorf("--snaplen %d: want 64 to 262144", opts.SnapLen)
	}
	opts.Addrs = addrs
	byAddr := map[string]string{}
	for _, n := range names {
		a, name, ok := strings.Cut(n, "=")
		if !ok {
			return opts, fmt.Errorf("--name %q: want ADDR=NAME", n)
		}
		byAddr[a] = name
	}
	for _, a := range addrs {
		opts.Names = append(opts.Names, byAddr[a])
	}
	return opts, nil
}
