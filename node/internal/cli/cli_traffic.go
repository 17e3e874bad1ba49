package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/topo-dev/topo/node/internal/control"
)

// cliTraffic turns the agent's background traffic on or off and prints
// its stats after.
func cliTraffic(ctx context.Context, args []string, env Env, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("traffic", flag.ContinueOnError)
	var c common
	c.register(fs)
	pos, err := parse(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) != 1 || (pos[0] != "on" && pos[0] != "off") {
		return usageError{fmt.Errorf("want on or off, got %q", pos)}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	resp, err := control.Client{Socket: c.socketPath(env)}.Do(ctx, control.Request{Op: control.OpTraffic, On: pos[0] == "on"})
	if err != nil {
		return err
	}
	return printJSON(stdout, resp.Stats)
}
