package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node"
)

// LogLevelEnv sets the agent's log level when --log-level is not given.
const LogLevelEnv = agent.LogLevelEnv

func cliRun(ctx context.Context, args []string, env Env, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var c common
	c.register(fs)
	level := fs.String("log-level", env(LogLevelEnv), "log `LEVEL`: debug, info, warn or error (default $"+LogLevelEnv+", else the config's log_level, else info)")
	pos, err := parse(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", pos[0])}
	}
	cfg, err := c.loadConfig(env)
	if err != nil {
		return err
	}
	lv, err := logLevel(*level, cfg.LogLevel)
	if err != nil {
		return usageError{err}
	}
	limit := setMemoryLimit(env, os.DirFS("/"))
	setProcs(env)
	setGC(env)
	lines := newLineBatcher(stdout)
	defer lines.Close()
	log := slog.New(slog.NewJSONHandler(lines, &slog.HandlerOptions{Level: lv}))
	opts := []node.Option{node.WithLogger(log), node.WithMemoryLimit(limit), node.WithNamesOf(cfg)}
	if cfg, err = node.ResolveNames(ctx, cfg, log); err != nil {
		return err
	}
	if c.socket != "" {
		opts = append(opts, node.WithControlSocket(c.socket))
	}
	a, err := node.New(cfg, opts...)
	if err != nil {
		return err
	}
	return a.Run(ctx)
}

// logLevel is the first level given of: the flag (or its environment
// variable), the config's, info.
func logLevel(flagged, configured string) (slog.Level, error) {
	var lv slog.Level
	for _, s := range []string{flagged, configured} {
		if s != "" {
			err := lv.UnmarshalText([]byte(s))
			return lv, err
		}
	}
	return slog.LevelInfo, nil
}
