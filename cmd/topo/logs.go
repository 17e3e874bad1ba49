package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/topo-dev/topo/orchestrator"
)

type logsFlags struct {
	topology string
	follow   bool
	tail     int
	since    time.Duration
	output   string
}

func newLogsCmd(a *app) *cobra.Command {
	var f logsFlags
	cmd := &cobra.Command{
		Use:   "logs [NODE...]",
		Short: "Show the nodes' logs, merged in time order",
		Long: `logs prints the log events of a topology's nodes (all, or the ones named),
merged in time order and prefixed by node. With -o json it passes each
node's JSON event through unchanged, one per line.`,
		Example: `  topo logs
  topo logs -f hub
  topo logs --since 1m -o json | jq 'select(.event == "deliver")'`,
		RunE: func(cmd *cobra.Command, nodes []string) error {
			if err := checkOutput(f.output, "text", "json"); err != nil {
				return err
			}
			if f.tail < 0 || f.since < 0 {
				return usageError{errors.New("logs: --tail and --since cannot be negative")}
			}
			o, name, closeFn, err := a.resolve(cmd.Context(), f.topology)
			defer closeFn()
			if err != nil {
				return err
			}
			opts := orchestrator.LogsOptions{Nodes: nodes, Follow: f.follow, Tail: f.tail}
			opts.Since = sinceTime(time.Now(), f.since)
			pr := newLogPrinter(a.stdout, f.output == "json")
			return o.Logs(cmd.Context(), name, opts, pr.print)
		},
	}
	topologyFlag(a, cmd, &f.topology)
	fl := cmd.Flags()
	fl.BoolVarP(&f.follow, "follow", "f", false, "keep printing new lines until Ctrl-C")
	fl.IntVar(&f.tail, "tail", 0, "lines per node from the end (0: all)")
	fl.DurationVar(&f.since, "since", 0, "only lines newer than this, e.g. 30s or 5m")
	outputFlag(cmd, &f.output, "text", "text", "json")
	return cmd
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
