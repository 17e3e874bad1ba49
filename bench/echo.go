package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/topo-dev/topo/orchestrator"
)

// echoTag is the image of bench/echo, the bare floor of a hop in user
// space.
const echoTag = "topo-bench-echo:latest"

// echoRTTs times n round trips of a bare Go TCP echo (bench/echo) between
// the two nodes of a p2p topology: what one process's hop costs on this
// machine when it does nothing else, to set topo's hop against.
func echoRTTs(ctx context.Context, o *orchestrator.Orchestrator, n int) ([]float64, error) {
	bin, err := buildEcho(ctx)
	if err != nil {
		return nil, err
	}
	// a pings b, as the kernel's side of the bench does.
	out, err := pairExec(ctx, o, pair{name: "bench-echo", tag: echoTag, path: "/echo", bin: bin,
		a: "command: [/echo, serve]", b: "command: [/echo, serve]",
		cmd: []string{"/echo", "ping", "b", strconv.Itoa(n)}})
	if err != nil {
		return nil, err
	}
	var rtts []float64
	for _, line := range strings.Fields(out) {
		v, err := strconv.ParseFloat(line, 64)
		if err != nil {
			return nil, fmt.Errorf("echo said %q", out)
		}
		rtts = append(rtts, v)
	}
	if len(rtts) == 0 {
		return nil, fmt.Errorf("echo said nothing")
	}
	return rtts, nil
}

// buildEcho compiles bench/echo, static, for the image.
func buildEcho(ctx context.Context) ([]byte, error) {
	dir, err := os.MkdirTemp("", "topo-bench-echo-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "echo")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "github.com/topo-dev/topo/bench/echo")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build bench/echo: %w: %s", err, msg)
	}
	return os.ReadFile(out)
}
