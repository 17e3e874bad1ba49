package node

import (
	"context"
	"errors"
	"flag"
	"io"
)

func cliSend(ctx context.Context, args []string, env Env, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("send", flag.ContinueOnError)
	var c common
	c.register(fs)
	noReceipt := fs.Bool("no-receipt", false, "send without asking for a receipt")
	timeout := fs.Duration("timeout", DefaultSendTimeout, "how long to wait for the receipt (0 or less: the default)")
	pos, err := parse(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageError{errors.New("want TO and TEXT")}
	}
	r, err := Client{Socket: c.socketPath(env)}.Send(ctx, pos[0], pos[1], !*noReceipt, *timeout)
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
