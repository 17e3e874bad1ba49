package node

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
)

// LogLevelEnv sets the agent's log level when --log-level is not given.
const LogLevelEnv = "TOPO_NODE_LOG_LEVEL"

func cliRun(ctx context.Context, args []string, env Env, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var c common
	c.register(fs)
	def := env(LogLevelEnv)
	if def == "" {
		def = "info"
	}
	level := fs.String("log-level", def, "log `LEVEL`: debug, info, warn or error (default $"+LogLevelEnv+" or info)")
	pos, err := parse(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", pos[0])}
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(*level)); err != nil {
		return usageError{err}
	}
	cfg, err := c.loadConfig(env)
	if err != nil {
		return err
	}
	limit := setMemoryLimit(env, os.DirFS("/"))
	opts := []Option{WithLogger(slog.New(slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: lv}))),
		func(o *options) { o.memoryLimit = limit }}
	if c.socket != "" {
		opts = append(opts, WithControlSocket(c.socket))
	}
	a, err := New(cfg, opts...)
	if err != nil {
		return err
	}
	return a.Run(ctx)
}
