package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/topo-dev/topo/node/internal/control"
)

// cliReady exits 0 once every neighbour link is up. With --wait it polls
// until then or until the wait is over.
func cliReady(ctx context.Context, args []string, env Env, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ready", flag.ContinueOnError)
	var c common
	c.register(fs)
	wait := fs.Duration("wait", 0, "wait up to `D` for the links to come up")
	pos, err := parse(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", pos[0])}
	}
	cl := control.Client{Socket: c.socketPath(env)}
	ctx, cancel := context.WithTimeout(ctx, *wait+5*time.Second)
	defer cancel()
	deadline := time.Now().Add(*wait)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		s, err := cl.Stats(ctx)
		if err == nil && s.Ready {
			fmt.Fprintf(stdout, "%s ready: %d links up\n", s.Name, len(s.Neighbors))
			return nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return err
			}
			var down []string
			for _, n := range s.Neighbors {
				if n.State != "up" {
					down = append(down, fmt.Sprintf("%s (%s on %s)", n.Name, n.Addr, n.Segment))
				}
			}
			return fmt.Errorf("%s not ready: links down to %s", s.Name, strings.Join(down, ", "))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}
