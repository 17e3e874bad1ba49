//go:build !unix

package main

import (
	"context"
	"os"

	"github.com/topo-dev/topo/engine"
)

// watchResize has no window changes to follow without SIGWINCH: the size
// stays what it was at the start.
func watchResize(context.Context, *os.File) (<-chan engine.WindowSize, func()) {
	return nil, func() {}
}
