package cli

import (
	"context"
	"io"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/control"
)

// cliFaults makes the JSON argument, agent.LinkFault by neighbour, the
// agent's link faults, and prints its stats after.
func cliFaults(ctx context.Context, args []string, env Env, stdout, stderr io.Writer) error {
	var faults map[string]agent.LinkFault
	c, err := parseJSONArg("faults", args, stderr, &faults)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	resp, err := control.Client{Socket: c.socketPath(env)}.Do(ctx, control.Request{Op: control.OpFaults, Faults: faults})
	if err != nil {
		return err
	}
	return printJSON(stdout, resp.Stats)
}
