// Command topo-node is the agent inside every node of a topo topology, and
// the tool to talk to it: run (the default), send, stats and ready; dial and
// idle serve probes that test what a segment can reach.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/topo-dev/topo/node"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := node.Main(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
