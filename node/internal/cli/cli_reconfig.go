package cli

import (
	"context"
	"io"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/control"
)

// reconfigTimeout bounds a reconfiguration: binding a new segment waits
// for its address to appear (up to 30s), and a little more.
const reconfigTimeout = 40 * time.Second

// cliReconfig hands the running agent the config in its JSON argument
// and prints what changed (agent.Reconfigured).
func cliReconfig(ctx context.Context, args []string, env Env, stdout, stderr io.Writer) error {
	var cfg agent.Config
	c, err := parseJSONArg("reconfig", args, stderr, &cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, reconfigTimeout)
	defer cancel()
	resp, err := control.Client{Socket: c.socketPath(env)}.Do(ctx, control.Request{Op: control.OpReconfig, Config: &cfg})
	if err != nil {
		return err
	}
	return printJSON(stdout, resp.Reconfigured)
}
