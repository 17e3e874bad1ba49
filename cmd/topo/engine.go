package main

import (
	"context"
	"fmt"
	"io"
	"os"

	topolib "github.com/topo-dev/topo"
	"github.com/topo-dev/topo/orchestrator"
)

// open connects to the Docker engine. The returned close func is never nil.
func (a *app) open(ctx context.Context, withProgress bool) (orchestrator.Service, func(), error) {
	if a.engine == "" { // an app made in Go, not by the command line
		a.engine = topolib.EngineDocker
	}
	if err := topolib.CheckEngine(a.engine); err != nil {
		return nil, func() {}, usageError{fmt.Errorf("--%w", err)}
	}
	opts := topolib.Options{Logger: a.logger(), Engine: a.engine}
	if withProgress {
		opts.Progress = newProgress(a.stderr).event
	}
	connect := a.connect
	if connect == nil {
		connect = func(ctx context.Context, opts topolib.Options) (orchestrator.Service, func(), error) {
			return topolib.Open(ctx, opts)
		}
	}
	o, closeFn, err := connect(ctx, opts)
	if err != nil {
		return nil, func() {}, err
	}
	return o, closeFn, nil
}

// resolve opens the engine and finds the topology a command acts on.
func (a *app) resolve(ctx context.Context, ref string) (orchestrator.Service, string, func(), error) {
	if err := checkRef(ref); err != nil {
		return nil, "", func() {}, err
	}
	o, closeFn, err := a.open(ctx, false)
	if err != nil {
		return nil, "", closeFn, err
	}
	name, why, err := o.ResolveWhy(ctx, ref)
	if err != nil {
		return nil, "", closeFn, err
	}
	sayPicked(a.stderr, name, why)
	return o, name, closeFn, nil
}

// sayPicked tells the user, on standard error, which of several running
// topologies a command acts on when it picked one by itself, and why, so
// that nobody acts on the wrong one unknowingly. Without a why there was
// no choice to make, and it says nothing.
func sayPicked(w io.Writer, name, why string) {
	if why != "" {
		fmt.Fprintf(w, "using %s: %s; -t picks another\n", name, why)
	}
}

// defaultEngine is $TOPO_ENGINE, else docker.
func defaultEngine() string {
	if e := os.Getenv(topolib.EngineEnv); e != "" {
		return e
	}
	return topolib.EngineDocker
}
