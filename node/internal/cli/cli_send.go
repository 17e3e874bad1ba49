package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/control"
)

func cliSend(ctx context.Context, args []string, env Env, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("send", flag.ContinueOnError)
	var c common
	c.register(fs)
	noReceipt := fs.Bool("no-receipt", false, "send without asking for a receipt")
	timeout := fs.Duration("timeout", agent.DefaultSendTimeout, "how long to wait for the receipt (0 or less: the default); for a burst, for all of it")
	count := fs.Int("count", 1, "send `N` copies as a burst, logged as one, and report their rate")
	pos, err := parse(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageError{errors.New("want TO and TEXT")}
	}
	cl := control.Client{Socket: c.socketPath(env)}
	var r agent.Receipt
	switch {
	case *count < 1:
		return usageError{fmt.Errorf("--count %d, want 1 or more", *count)}
	case *count > 1 && *noReceipt:
		return usageError{errors.New("a burst waits for its last receipt: --count and --no-receipt do not go together")}
	case *count > 1:
		r, err = cl.Burst(ctx, pos[0], pos[1], *count, *timeout)
	default:
		r, err = cl.Send(ctx, pos[0], pos[1], !*noReceipt, *timeout)
	}
	if err != nil {
		return err
	}
	if err := printJSON(stdout, r); err != nil {
		return err
	}
	if !r.Delivered && !r.Queued {
		return errSilent
	}
	return nil
}
