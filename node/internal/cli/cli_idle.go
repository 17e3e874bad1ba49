package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/topo-dev/topo/agent"
)

// EvIdle is the event topo-node idle logs once it is up.
const EvIdle = "idle"

// cliIdle logs one line and does nothing until it is told to stop. A probe
// container runs it so that it can be exec'd into: it needs no config, no
// writable file and no privilege.
func cliIdle(ctx context.Context, args []string, _ Env, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("idle", flag.ContinueOnError)
	pos, err := parse(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", pos[0])}
	}
	log := slog.New(slog.NewJSONHandler(stdout, nil))
	log.Info("idle until SIGTERM", "event", EvIdle)
	<-ctx.Done()
	log.Info("idle stopped", "event", agent.EvStop)
	return nil
}
