//go:build unix

package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/topo-dev/topo/engine"
)

// watchResize sends f's new size each time the window changes (SIGWINCH),
// until stop.
func watchResize(ctx context.Context, f *os.File) (sizes <-chan engine.WindowSize, stop func()) {
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	out := make(chan engine.WindowSize)
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-winch:
			}
			select {
			case <-ctx.Done():
				return
			case out <- windowSize(f):
			}
		}
	}()
	return out, func() {
		signal.Stop(winch)
		cancel()
	}
}
