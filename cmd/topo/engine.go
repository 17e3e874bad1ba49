package main

import (
	"context"

	topolib "github.com/topo-dev/topo"
	"github.com/topo-dev/topo/orchestrator"
)

// open connects to the Docker engine. The returned close func is never nil.
func (a *app) open(ctx context.Context, withProgress bool) (*orchestrator.Orchestrator, func(), error) {
	opts := topolib.Options{Logger: a.logger()}
	if withProgress {
		opts.Progress = newProgress(a.stderr).event
	}
	o, closeFn, err := topolib.Open(ctx, opts)
	if err != nil {
		return nil, func() {}, err
	}
	return o, closeFn, nil
}

// resolve opens the engine and finds the topology a command acts on.
func (a *app) resolve(ctx context.Context, ref string) (*orchestrator.Orchestrator, string, func(), error) {
	o, closeFn, err := a.open(ctx, false)
	if err != nil {
		return nil, "", closeFn, err
	}
	name, err := o.Resolve(ctx, ref)
	if err != nil {
		return nil, "", closeFn, err
	}
	return o, name, closeFn, nil
}
