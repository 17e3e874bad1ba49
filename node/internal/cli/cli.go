// Package cli is the topo-node command line: run (the agent, the
// default), send, stats, ready, traffic and faults (through the control
// socket), say, and the verbs that need no agent: dial, idle, trace,
// netns, probe and capture.
//
// Two verbs need no config and no agent, so that they run in any container
// built from the node image, probes included: "dial HOST:PORT" exits 0 when
// a TCP connection succeeds and 1 with a one-word reason (refused,
// unreachable, timeout, unresolved) when it does not; "idle" logs one line
// with event idle and waits for SIGTERM.
//
// At start, run gives the Go runtime a soft memory limit of 75% of its
// container's (the cgroup's memory.max, or memory.limit_in_bytes under
// cgroup v1), unless GOMEMLIMIT is set, and the agent logs it as
// memory_limit with the start event.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/capture"
	"github.com/topo-dev/topo/node/internal/control"
	"github.com/topo-dev/topo/node/internal/probe"
)

// Exit codes of the topo-node command.
const (
	ExitOK      = agent.ExitOK
	ExitFailure = agent.ExitFailure
	ExitUsage   = agent.ExitUsage
	ExitNoAgent = agent.ExitNoAgent
)

// Env is how the CLI reads its environment; os.Getenv in production.
type Env func(string) string

const cliUsage = `usage:
  topo-node [run] [--config FILE] [--log-level debug|info|warn]
  topo-node send [--no-receipt] [--timeout 5s] [--] TO TEXT
  topo-node stats
  topo-node ready [--wait 10s]
  topo-node dial [--timeout 2s] [--udp] HOST:PORT
  topo-node idle
  topo-node traffic on|off
  topo-node faults JSON        (by neighbour: {"cut": REASON, "impairment": {...}})
  topo-node reconfig CONFIG-JSON  (the running agent takes a new config)
  topo-node say [--node NAME] EVENT TEXT
  topo-node trace [--max-hops 30] [--timeout 1s] ADDR
  topo-node netns routes [TO=VIA ...]
  topo-node netns filter [LOCAL,MAC,PERCENT ...] [shape:LOCAL,RATE ...]
  topo-node hosts --file FILE [--drop NAME,...] [NAME:ADDRESS ...]
  topo-node probe REQUEST-JSON
  topo-node capture --addr ADDR [--filter EXPR] [--count N] [--duration D]  (pcapng out)
run, send, stats and ready also take --config FILE and --socket PATH; the
config comes from $` + agent.ConfigEnv + ` when --config is not given. dial exits
0 when it connects (--udp: when a datagram left and no ICMP error came back
in time), 1 when it cannot; idle logs one line and waits for SIGTERM.
Flags may come before, between or after the arguments; everything after
-- is an argument, even when it starts with a dash.
`

// Main runs the topo-node command line and returns its exit code.
func Main(ctx context.Context, args []string, env Env, stdout, stderr io.Writer) int {
	verb := agent.VerbRun
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		verb, args = args[0], args[1:]
	}
	var run func(context.Context, []string, Env, io.Writer, io.Writer) error
	switch verb {
	case agent.VerbRun:
		run = cliRun
	case agent.VerbSend:
		run = cliSend
	case agent.VerbStats:
		run = cliStats
	case agent.VerbReady:
		run = cliReady
	case agent.VerbDial:
		run = cliDial
	case agent.VerbSay:
		run = cliSay
	case agent.VerbTraffic:
		run = cliTraffic
	case agent.VerbFaults:
		run = cliFaults
	case agent.VerbReconfig:
		run = cliReconfig
	case agent.VerbIdle:
		run = cliIdle
	case agent.VerbTrace:
		run = cliTrace
	case agent.VerbNetns:
		run = cliNetns
	case agent.VerbHosts:
		run = cliHosts
	case agent.VerbProbe:
		return probe.Main(ctx, args, stdout, stderr)
	case agent.VerbCapture:
		return capture.Main(ctx, args, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, cliUsage)
		return ExitOK
	default:
		fmt.Fprintf(stderr, "topo-node: unknown command %q\n%s", verb, cliUsage)
		return ExitUsage
	}
	err := run(ctx, args, env, stdout, stderr)
	var ue usageError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "topo-node %s: %v\n%s", verb, err, cliUsage)
		return ExitUsage
	case errors.Is(err, errSilent):
		return ExitFailure
	case errors.Is(err, control.ErrNoAgent):
		fmt.Fprintf(stderr, "topo-node %s: %v\n", verb, err)
		return ExitNoAgent
	default:
		fmt.Fprintf(stderr, "topo-node %s: %v\n", verb, err)
		return ExitFailure
	}
}

type usageError struct{ error }

// errSilent is a failure whose explanation is already printed.
var errSilent = errors.New("failed")

// common are the flags every verb takes.
type common struct {
	config string
	socket string
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.config, "config", "", "read the node config from `FILE` instead of $"+agent.ConfigEnv)
	fs.StringVar(&c.socket, "socket", "", "control socket `PATH` (default: from the config)")
}

// loadConfig reads the config from --config or the environment.
func (c *common) loadConfig(env Env) (*agent.Config, error) {
	var b []byte
	if c.config != "" {
		var err error
		if b, err = os.ReadFile(c.config); err != nil {
			return nil, err
		}
	} else if s := env(agent.ConfigEnv); s != "" {
		b = []byte(s)
	} else {
		return nil, fmt.Errorf("no config: set $%s or pass --config FILE", agent.ConfigEnv)
	}
	return agent.ParseConfig(b)
}

// socketPath is --socket, else the config's socket, else the default.
func (c *common) socketPath(env Env) string {
	if c.socket != "" {
		return c.socket
	}
	if cfg, err := c.loadConfig(env); err == nil {
		return cfg.ControlSocketOrDefault()
	}
	return agent.DefaultControlSocket
}

// parse parses flags that may come before, between or after the
// positional arguments, and returns the positional ones. Everything after
// a "--" is positional, even when it starts with a dash, so that
// "send --timeout 1s -- TO -TEXT" works.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) ([]string, error) {
	fs.SetOutput(stderr)
	var rest []string
	if i := terminator(fs, args); i >= 0 {
		args, rest = args[:i], args[i+1:]
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err}
		}
		args = fs.Args()
		if len(args) == 0 {
			return append(pos, rest...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// terminator finds the "--" that ends the flags, reading args the way fs
// does (so that a "--" given as a flag's value is not one), or -1. The
// flag package stops at "--" too, but parse resumes reading flags after
// each positional argument and would lose track of it.
func terminator(fs *flag.FlagSet, args []string) int {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return i
		}
		if len(a) < 2 || a[0] != '-' {
			continue // positional
		}
		name := strings.TrimPrefix(a[1:], "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			continue // fs.Parse reports it
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		i++ // the next argument is this flag's value
	}
	return -1
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	return enc.Encode(v)
}

// parseJSONArg parses a verb's common flags and its one argument, JSON
// decoded into v: the shape of the verbs that hand the agent a value.
func parseJSONArg(verb string, args []string, stderr io.Writer, v any) (common, error) {
	fs := flag.NewFlagSet(verb, flag.ContinueOnError)
	var c common
	c.register(fs)
	pos, err := parse(fs, args, stderr)
	if err != nil {
		return c, err
	}
	if len(pos) != 1 {
		return c, usageError{fmt.Errorf("want one JSON argument, got %d arguments", len(pos))}
	}
	if err := json.Unmarshal([]byte(pos[0]), v); err != nil {
		return c, usageError{fmt.Errorf("%s: %w", verb, err)} // not the argument: a config may be 100 KiB
	}
	return c, nil
}
