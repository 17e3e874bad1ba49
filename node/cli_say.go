package node

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/topo-dev/topo/agent"
)

// cliSay logs one event line, as a node would, and exits: topo records the
// steps of a fault schedule with it, in containers of their own, so that
// `topo logs` shows them among the nodes' events.
func cliSay(_ context.Context, args []string, _ Env, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("say", flag.ContinueOnError)
	node := fs.String("node", "faults", "the `NAME` the line is logged under")
	pos, err := parse(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageError{fmt.Errorf("want EVENT TEXT, got %d arguments", len(pos))}
	}
	log := slog.New(slog.NewJSONHandler(stdout, nil))
	log.Info(pos[1], agent.FieldNode, *node, agent.FieldEvent, pos[0])
	return nil
}
