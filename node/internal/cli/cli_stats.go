package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/topo-dev/topo/node/internal/control"
)

func cliStats(ctx context.Context, args []string, env Env, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("stats", flag.ContinueOnError)
	var c common
	c.register(fs)
	pos, err := parse(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", pos[0])}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	s, err := control.Client{Socket: c.socketPath(env)}.Stats(ctx)
	if err != nil {
		return err
	}
	return printJSON(stdout, s)
}
