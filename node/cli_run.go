package node

import (
	"context"
	"flag"
	"io"
	"log/slog"
)

func cliRun(ctx context.Context, args []string, env Env, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var c common
	c.register(fs)
	level := fs.String("log-level", "info", "log `LEVEL`: debug, info, warn or error")
	pos, err := parse(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{errf("unexpected argument %q", pos[0])}
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(*level)); err != nil {
		return usageError{err}
	}
	cfg, err := c.loadConfig(env)
	if err != nil {
		return err
	}
	opts := []Option{WithLogger(slog.New(slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: lv})))}
	if c.socket != "" {
		opts = append(opts, WithControlSocket(c.socket))
	}
	a, err := New(cfg, opts...)
	if err != nil {
		return err
	}
	return a.Run(ctx)
}
