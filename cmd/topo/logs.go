package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/orchestrator"
)

type logsFlags struct {
	topology string
	follow   bool
	tail     string
	since    string
	id       string
	events   []string
	output   string
}

func newLogsCmd(a *app) *cobra.Command {
	var f logsFlags
	cmd := &cobra.Command{
		Use:   "logs [NODE...]",
		Short: "Show the nodes' logs, merged in time order",
		Long: `logs prints the log events of a topology's nodes (all, or the ones named),
merged in the order of the times they print and prefixed by node. With
-o json it passes each node's JSON event through unchanged, one per line.

--id and --event keep only the agents' events with that message id (the id
` + "`topo send`" + ` prints) or those event names; lines of your own images have
neither, so a filter leaves them out. --tail and --since mean what they mean
to docker logs: --tail 0 prints no old lines, and --since takes a duration
or a time.`,
		Example: `  topo logs
  topo logs -f hub
  topo logs --id 5f3a9c2e01b4d6e8       # one message's way: send, forward, deliver, receipt
  topo logs --event send,deliver -f --tail 0
  topo logs --since 2026-11-21T05:06:00 -o json | jq 'select(.event == "deliver")'`,
		RunE: func(cmd *cobra.Command, nodes []string) error {
			opts, err := f.options(time.Now())
			if err != nil {
				return err
			}
			opts.Nodes = nodes
			o, name, closeFn, err := a.resolve(cmd.Context(), f.topology)
			defer closeFn()
			if err != nil {
				return err
			}
			pr := newLogPrinter(a.stdout, f.output == "json")
			return o.Logs(cmd.Context(), name, opts, pr.print)
		},
	}
	topologyFlag(a, cmd, &f.topology)
	fl := cmd.Flags()
	fl.BoolVarP(&f.follow, "follow", "f", false, "keep printing new lines until Ctrl-C")
	fl.StringVar(&f.tail, "tail", "all", "lines per node from the end: a number (0: none, only new lines with -f) or all")
	fl.StringVar(&f.since, "since", "", "only lines newer than this: a duration (30s, 5m) or a time (2026-11-21T05:06:44Z, 2026-11-21T05:06, 1763701604)")
	fl.StringVar(&f.id, "id", "", "only the events of this message id")
	fl.StringSliceVar(&f.events, "event", nil, "only these events, a comma list: "+strings.Join(logEvents, ","))
	_ = cmd.RegisterFlagCompletionFunc("event", cobra.FixedCompletions(logEvents, cobra.ShellCompDirectiveNoFileComp))
	outputFlag(cmd, &f.output, "text", "text", "json")
	return cmd
}

// logEvents are the events the agent logs, for --event.
var logEvents = []string{agent.EvStart, agent.EvStop, agent.EvLink, agent.EvConnection, agent.EvGreeting,
	agent.EvSend, agent.EvForward, agent.EvDeliver, agent.EvIgnored, agent.EvDrop, agent.EvReceipt,
	agent.EvToken, agent.EvRingRTT, agent.EvControl, agent.EvError, agent.EvFault}

// options checks the flags and turns them into the orchestrator's options.
func (f logsFlags) options(now time.Time) (orchestrator.LogsOptions, error) {
	opts := orchestrator.LogsOptions{Follow: f.follow, ID: f.id}
	if err := checkOutput(f.output, "text", "json"); err != nil {
		return opts, err
	}
	switch n, err := strconv.Atoi(f.tail); {
	case f.tail == "all":
		opts.Tail = orchestrator.TailAll
	case err != nil || n < 0:
		return opts, usageError{fmt.Errorf("logs: --tail %q: want a number of lines, 0 or more, or all", f.tail)}
	case n == 0:
		opts.Tail = orchestrator.TailNone
	default:
		opts.Tail = n
	}
	since, err := parseSince(now, f.since)
	if err != nil {
		return opts, usageError{fmt.Errorf("logs: %w", err)}
	}
	opts.Since = since
	for _, e := range f.events {
		if !slices.Contains(logEvents, e) {
			return opts, usageError{fmt.Errorf("logs: --event %q is not an event the agent logs; they are %s", e, strings.Join(logEvents, ", "))}
		}
		opts.Events = append(opts.Events, e)
	}
	return opts, nil
}

// logPrinter formats node log lines: "node | time event key=value ..." as
// text, coloured by node on a terminal, or raw JSON.
type logPrinter struct {
	w      io.Writer
	json   bool
	color  bool
	colors map[string]int
}

func newLogPrinter(w io.Writer, raw bool) *logPrinter {
	f, ok := w.(*os.File)
	return &logPrinter{w: w, json: raw, color: ok && term.IsTerminal(int(f.Fd())), colors: map[string]int{}}
}

func (p *logPrinter) print(l orchestrator.LogLine) error {
	if p.json {
		_, err := fmt.Fprintln(p.w, l.Text)
		return err
	}
	prefix := fmt.Sprintf("%-8s|", l.Node)
	if p.color {
		c, ok := p.colors[l.Node]
		if !ok {
			c = 31 + len(p.colors)%6
			p.colors[l.Node] = c
		}
		prefix = fmt.Sprintf("\033[%dm%s\033[0m", c, prefix)
	}
	_, err := fmt.Fprintf(p.w, "%s %s\n", prefix, orchestrator.FormatLogText(l.Text))
	return err
}

// parseSince reads --since as docker logs does: a duration back from now,
// an RFC 3339 time, one of its shorter forms (2026-11-21T05:06:44,
// 2026-11-21T05:06, 2026-11-21, in local time unless a zone is given), or
// Unix seconds (1763701604.5). The engine takes only times after 1970, so
// one further back means "from the start", as "" and 0 do.
func parseSince(now time.Time, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(v); err == nil && v != "0" {
		if d < 0 {
			return time.Time{}, fmt.Errorf("--since %s cannot be negative", v)
		}
		return sinceTime(now, d), nil
	}
	t, ok := parseTimestamp(now.Location(), v)
	if !ok {
		return time.Time{}, fmt.Errorf("--since %q: want a duration (30s, 5m) or a time (2026-11-21T05:06:44Z, 2026-11-21T05:06, 1763701604)", v)
	}
	if !t.After(time.Unix(0, 0)) {
		return time.Time{}, nil
	}
	return t, nil
}

// parseTimestamp reads the time forms of parseSince; without a zone
// (Z, +hh:mm or -hh:mm) a time is in loc.
func parseTimestamp(loc *time.Location, v string) (time.Time, bool) {
	if sec, frac, ok := strings.Cut(v, "."); isDigits(sec) && (!ok || isDigits(frac) && len(frac) <= 9) {
		s, err := strconv.ParseInt(sec, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		ns, _ := strconv.Atoi((frac + "000000000")[:9])
		return time.Unix(s, int64(ns)), true
	}
	local := []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02T15", "2006-01-02"}
	zoned := []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02T15Z07:00", "2006-01-02Z07:00"}
	inLocal := !strings.ContainsAny(v, "zZ+") && strings.Count(v, "-") != 3
	layouts := zoned
	if inLocal {
		layouts = local
	}
	for _, l := range layouts {
		if t, err := time.ParseInLocation(l, v, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// sinceTime is the moment --since d points at. The engine takes only times
// after 1970, so a duration that reaches further back means "from the
// start", as 0 does.
func sinceTime(now time.Time, d time.Duration) time.Time {
	t := now.Add(-d)
	if d <= 0 || !t.After(time.Unix(0, 0)) {
		return time.Time{}
	}
	return t
}
