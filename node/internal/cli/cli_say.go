package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/topo-dev/topo/agent"
)

// cliSay logs one event line, as a node would, and exits: topo records the
// steps of a fault schedule with it, in containers of their own, so that
// `topo logs` shows them among the nodes' events.
func cliSay(_ context.Context, args []string, _ Env, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("say", flag.ContinueOnError)
	node := fs.String("node", "faults", "the `NAME` the line is logged under")
	at := fs.String("at", "", "the `TIME` (RFC 3339) the line is logged at; now when empty")
	pos, err := parse(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageError{fmt.Errorf("want EVENT TEXT, got %d arguments", len(pos))}
	}
	when := time.Now()
	if *at != "" {
		if when, err = time.Parse(time.RFC3339Nano, *at); err != nil {
			return usageError{fmt.Errorf("--at: %w", err)}
		}
	}
	// The record carries its own time: the moment the step began, not the
	// moment this container got to run, which a busy engine delays.
	r := slog.NewRecord(when, slog.LevelInfo, pos[1], 0)
	r.AddAttrs(slog.String(agent.FieldNode, *node), slog.String(agent.FieldEvent, pos[0]))
	return slog.NewJSONHandler(stdout, nil).Handle(context.Background(), r)
}
