package node

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/topo-dev/topo/agent"
)

// cliFaults makes the JSON argument, agent.LinkFault by neighbour, the
// agent's link faults, and prints its stats after.
func cliFaults(ctx context.Context, args []string, env Env, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("faults", flag.ContinueOnError)
	var c common
	c.register(fs)
	pos, err := parse(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{fmt.Errorf("want one JSON argument, got %d arguments", len(pos))}
	}
	var faults map[string]agent.LinkFault
	if err := json.Unmarshal([]byte(pos[0]), &faults); err != nil {
		return usageError{fmt.Errorf("faults %q: %w", pos[0], err)}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	resp, err := Client{Socket: c.socketPath(env)}.Do(ctx, ControlRequest{Op: OpFaults, Faults: faults})
	if err != nil {
		return err
	}
	return printJSON(stdout, resp.Stats)
}
