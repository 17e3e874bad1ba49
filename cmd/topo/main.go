// Command topo builds containerized network topologies from YAML files and
// lets you watch, poke and test them: topo up, status, logs, send, down.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first Ctrl-C cancels the work and lets it clean up; after it the
	// signal is no longer caught, so a second one ends topo at once.
	context.AfterFunc(ctx, stop)
	code := runAs(ctx, selfName(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
