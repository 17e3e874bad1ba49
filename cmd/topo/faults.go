package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/topo-dev/topo/agent"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// faultCmd is the frame of every command that changes faults: it resolves
// the topology, runs do, and prints the faults in force after.
func faultCmd(a *app, use, short, long, example string, nargs cobra.PositionalArgs,
	do func(cmd *cobra.Command, o orchestrator.Service, name string, pos []string) ([]orchestrator.Fault, error)) *cobra.Command {
	var ref, output string
	cmd := &cobra.Command{
		Use: use, Short: short, Long: long, Example: example, Args: args(nargs),
		RunE: func(cmd *cobra.Command, pos []string) error {
			if err := checkOutput(output, "text", "json"); err != nil {
				return err
			}
			o, name, closeFn, err := a.resolve(cmd.Context(), ref)
			defer closeFn()
			if err != nil {
				return err
			}
			fs, err := do(cmd, o, name, pos)
			if errors.Is(err, orchestrator.ErrBadFault) || errors.Is(err, orchestrator.ErrNodeState) {
				return usageError{err}
			}
			if err != nil {
				return err
			}
			return printFaults(a, name, fs, output)
		},
	}
	topologyFlag(a, cmd, &ref)
	outputFlag(cmd, &output, "text", "text", "json")
	return cmd
}

func printFaults(a *app, name string, fs []orchestrator.Fault, output string) error {
	if output == "json" {
		return writeJSON(a, struct {
			Topology string               `json:"topology"`
			Faults   []orchestrator.Fault `json:"faults"`
		}{name, fs})
	}
	if len(fs) == 0 {
		fmt.Fprintf(a.stdout, "%s: no faults in force\n", name)
		return nil
	}
	fmt.Fprintf(a.stdout, "%s: faults in force:\n", name)
	for _, f := range fs {
		fmt.Fprintf(a.stdout, "  %s\n", f)
	}
	return nil
}

func newLinkCmd(a *app) *cobra.Command {
	var from string
	cmd := faultCmd(a, "link A B down|up [--from A]", "Cut the link between two nodes, or restore it",
		`link down stops everything crossing between nodes A and B, for topo's agent
and for any software on them; on a shared segment only A and B stop hearing
each other. link up restores it. A packet filter in each node's network
namespace does it, installed by a short-lived helper with NET_ADMIN.

With --from A, only what A sends B is cut (or restored): B's packets still
reach A. The filter is then at B's end alone. Both ways cut so are the link
cut; a plain up restores both ways. TCP needs both ways: a TCP connection
across a link cut one way stalls, topo's agents' frames on a tcp link too.`,
		"  topo link hub spoke1 down\n  topo link -t ring node2 node3 up\n  topo link hub spoke1 down --from hub",
		cobra.ExactArgs(3),
		func(cmd *cobra.Command, o orchestrator.Service, name string, pos []string) ([]orchestrator.Fault, error) {
			if pos[2] != "down" && pos[2] != "up" {
				return nil, usageError{fmt.Errorf("link: %q, want down or up", pos[2])}
			}
			return o.Link(cmd.Context(), name, orchestrator.LinkOptions{A: pos[0], B: pos[1], Down: pos[2] == "down", From: from})
		})
	cmd.Flags().StringVar(&from, "from", "", "cut or restore only what `NODE` (A or B) sends the other")
	// A --from that is neither end costs nothing and exits 2.
	cmd.PreRunE = func(_ *cobra.Command, pos []string) error {
		if from != "" && len(pos) == 3 && from != pos[0] && from != pos[1] {
			return usageError{fmt.Errorf("link: --from %s, want %s or %s", from, pos[0], pos[1])}
		}
		return nil
	}
	return cmd
}

func newImpairCmd(a *app) *cobra.Command {
	var opts orchestrator.ImpairOptions
	cmd := faultCmd(a, "impair (A B | --all) [--delay D] [--jitter D] [--loss PERCENT] [--rate R] [--replace] | --clear",
		"Impair a link, or every link, at runtime",
		`impair changes the link between A and B, or with --all every link, in place
of what the file declared for it; --clear lifts it, and the file's settings
apply again. A link impaired by itself keeps that over --all. With --from
A, only what A sends B is impaired (over an impairment of the link both
ways); --clear without --from lifts both ways and each.

The settings given are merged into the runtime impairment in force on the
link (its own, else that of --all): --loss 5% then --delay 100ms makes
both. A setting given as 0 is lifted alone; --replace makes the settings
given the whole impairment. The faults in force are printed after.

Values are written as in the file: --loss 5%, 0.5% (a bare number is a
percent too), --delay 100ms, --rate 1mbit (8kbit at least).

What applies where: --loss makes the kernel lose that share of what crosses
the link for every process on the two nodes (a packet filter), while topo's
agents lose their own frames themselves and count them as loss. --rate
holds for every process too (a token bucket, tbf, on the interface): on a
point-to-point link always, on a shared segment when every link of the node
there has a rate (--all), else for the agents' frames only. This engine's
kernel has no netem, so --delay and --jitter apply to the agents' frames
only: other processes are not delayed.`,
		"  topo impair hub spoke1 --delay 200ms --jitter 50ms\n  topo impair hub spoke1 --from hub --loss 30%\n  topo impair hub spoke1 --loss 0.5%\n  topo impair --all --rate 1mbit\n  topo impair hub spoke1 --loss 0\n  topo impair hub spoke1 --clear",
		cobra.RangeArgs(0, 2),
		func(cmd *cobra.Command, o orchestrator.Service, name string, pos []string) ([]orchestrator.Fault, error) {
			if len(pos) == 2 {
				opts.A, opts.B = pos[0], pos[1]
			}
			if opts.Delay != 0 || opts.Jitter != 0 {
				fmt.Fprintln(a.stderr, "note: this engine's kernel has no netem: delay and jitter apply to topo's agents' frames only; other processes on the nodes are not delayed")
			}
			return o.Impair(cmd.Context(), name, opts)
		})
	f := cmd.Flags()
	f.BoolVar(&opts.All, "all", false, "every link of the topology")
	f.StringVar(&opts.From, "from", "", "impair only what `NODE` (A or B) sends the other")
	f.String("delay", "", "one-way `DELAY` of the agents' frames, e.g. 100ms (0 lifts it)")
	f.String("jitter", "", "the delay varies by up to this `DURATION` either way (0 lifts it)")
	f.String("loss", "", "`PERCENT` of the frames lost for every process, e.g. 5% or 0.5% (0 lifts it)")
	f.String("rate", "", "what crosses leaves at most at this `RATE`, e.g. 1mbit, 500kbit (0 lifts it)")
	f.BoolVar(&opts.Replace, "replace", false, "make the settings given the whole impairment, instead of merging them")
	f.BoolVar(&opts.Clear, "clear", false, "lift the runtime impairment")
	// The values are checked before the engine is asked anything, so that
	// a typo costs nothing and exits 2.
	cmd.PreRunE = func(cmd *cobra.Command, pos []string) error {
		given := map[string]string{}
		cmd.Flags().Visit(func(fl *pflag.Flag) { given[fl.Name] = fl.Value.String() })
		if err := impairOptions(given, len(pos), &opts); err != nil {
			return usageError{err}
		}
		return nil
	}
	return cmd
}

// impairOptions reads the impair flags given (by name) into opts, with
// the topology file's parsers and its words, and checks them with the
// number of nodes named.
func impairOptions(given map[string]string, nodes int, opts *orchestrator.ImpairOptions) error {
	if opts.All != (nodes == 0) {
		return errors.New("impair: name a link's two nodes, or give --all")
	}
	if _, ok := given["replace"]; ok && opts.Clear {
		return errors.New("impair: --clear takes no other setting")
	}
	lift := func(name string, zero bool) {
		if zero {
			opts.Lift = append(opts.Lift, name)
		}
	}
	if v, ok := given["loss"]; ok {
		p, err := parseLossFlag(v)
		if err != nil {
			return fmt.Errorf("impair: --loss: %w", err)
		}
		opts.LossPercent = p
		lift("loss", p == 0)
	}
	for _, d := range []struct {
		name string
		to   *time.Duration
	}{{"delay", &opts.Delay}, {"jitter", &opts.Jitter}} {
		if v, ok := given[d.name]; ok {
			dv, err := topology.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("impair: --%s: %w", d.name, err)
			}
			*d.to = dv
			lift(d.name, dv == 0)
		}
	}
	if v, ok := given["rate"]; ok {
		r, err := topology.ParseRate(v)
		if err != nil {
			return fmt.Errorf("impair: --rate: %w", err)
		}
		opts.Rate = r
		lift("rate", r == 0)
	}
	return opts.Check()
}

// parseLossFlag reads --loss as the file reads loss, in percent: "5%",
// "0.5%", and a bare number, which the command line has always taken as a
// percent ("--loss 20").
func parseLossFlag(v string) (float64, error) {
	s := strings.TrimSpace(v)
	bare := false
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		s, bare = s+"%", true
	}
	l, err := topology.ParseLoss(s)
	if err != nil && bare { // quote what was typed, not what we made of it
		return 0, errors.New(strings.Replace(err.Error(), strconv.Quote(s), strconv.Quote(v), 1))
	}
	if err != nil {
		return 0, err
	}
	if l >= 1 {
		return 0, fmt.Errorf("%q loses everything: use topo link A B down", v)
	}
	p := math.Round(l*100*1e6) / 1e6 // 0.005 is 0.5, not 0.49999...
	if l > 0 && p < agent.MinFilterPercent {
		return 0, fmt.Errorf("%q is less than %v%%, the smallest loss topo makes", v, agent.MinFilterPercent)
	}
	return p, nil
}

func newPartitionCmd(a *app) *cobra.Command {
	return faultCmd(a, "partition GROUP [GROUP...]", "Split the topology into groups that cannot reach each other",
		`partition splits the nodes into groups (a group is a comma-separated list of
nodes; the nodes no group names form one more group): no traffic crosses
between groups, inside each group everything works. It replaces a partition
in force. topo heal lifts it. A group whose members reach each other only
through a node of another group (two spokes without their hub) is split
too: topo warns, naming that node.`,
		"  topo partition peer1,peer2 peer3,peer4,peer5\n  topo partition node1",
		cobra.MinimumNArgs(1),
		func(cmd *cobra.Command, o orchestrator.Service, name string, pos []string) ([]orchestrator.Fault, error) {
			var groups [][]string
			for _, g := range pos {
				groups = append(groups, strings.Split(g, ","))
			}
			fs, err := o.Partition(cmd.Context(), name, groups)
			for _, f := range fs {
				for _, w := range f.Split {
					fmt.Fprintf(a.stderr, "warning: %s\n", w)
				}
			}
			return fs, err
		})
}

func newHealCmd(a *app) *cobra.Command {
	return faultCmd(a, "heal", "Lift the partition", "heal restores every link the partition cut, and nothing else.",
		"  topo heal", cobra.NoArgs,
		func(cmd *cobra.Command, o orchestrator.Service, name string, _ []string) ([]orchestrator.Fault, error) {
			return o.Heal(cmd.Context(), name)
		})
}

func newFaultsCmd(a *app) *cobra.Command {
	return faultCmd(a, "faults [clear]", "List the faults in force, or clear them all",
		`faults lists the links down or impaired, the partition, and the nodes that
do not run (stopped, killed or paused: by topo, with when, or behind its
back) in force; topo status shows them too. faults clear lifts them all and
starts or unpauses every stopped or paused node.`,
		"  topo faults\n  topo faults clear -t ring", cobra.MaximumNArgs(1),
		func(cmd *cobra.Command, o orchestrator.Service, name string, pos []string) ([]orchestrator.Fault, error) {
			if len(pos) == 1 {
				if pos[0] != "clear" {
					return nil, usageError{fmt.Errorf("faults: %q, want clear or nothing", pos[0])}
				}
				if err := o.ClearFaults(cmd.Context(), name); err != nil {
					return nil, err
				}
			}
			return o.Faults(cmd.Context(), name)
		})
}

func newNodeCmd(a *app) *cobra.Command {
	var acts []string
	for _, act := range engine.Actions {
		acts = append(acts, string(act))
	}
	return faultCmd(a, "node "+strings.Join(acts, "|")+" NODE...", "Stop, start, restart, kill, pause or unpause nodes",
		`node acts on nodes' containers. A node that starts again gets its IP routes
and the packet filters of the faults in force back before the command
returns; its neighbours notice it going and reconnect when it is back.`,
		"  topo node stop spoke2\n  topo node restart node3\n  topo node pause peer1 peer2",
		cobra.MinimumNArgs(2),
		func(cmd *cobra.Command, o orchestrator.Service, name string, pos []string) ([]orchestrator.Fault, error) {
			err := o.NodeAction(cmd.Context(), name, orchestrator.NodeActionOptions{Action: engine.Action(pos[0]), Nodes: pos[1:]})
			if err != nil {
				return nil, err
			}
			return o.Faults(cmd.Context(), name)
		})
}
