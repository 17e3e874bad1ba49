// Command topo-node is the agent inside every node of a topo topology, and
// the tool to talk to it: run (the default), send, stats and ready; dial and
// idle serve probes that test what a segment can reach, and probe tries
// targets at a steady rate for topo test; capture runs in a helper that
// joins a node's network namespace. Package cli dispatches the verbs.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/topo-dev/topo/node/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
