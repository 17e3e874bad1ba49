package topotest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
)

// LabelProbe marks probe containers with the topology they observe.
const LabelProbe = "topo.probe"

// Probe is an observer container joined to one segment of a topology, as
// any other host on that segment would be. It runs topo's agent binary in
// its idle mode, and dials from there: what it can and cannot reach is what
// the segment exposes.
type Probe struct {
	Segment   string
	Container testcontainers.Container
	rt        engine.Runtime
}

// Probe starts an observer on a segment and removes it when the test ends.
func (top *Topology) Probe(t testing.TB, segment string) *Probe {
	t.Helper()
	if _, ok := top.Plan.Segment(segment); !ok {
		t.Fatalf("topotest: %s has no segment %q", top.Name, segment)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	image, err := top.o.NodeImage(ctx)
	if err != nil {
		t.Fatalf("topotest: %v", err)
	}
	probeEnv(ctx, top.o.Runtime())
	labels := runLabels()
	labels[LabelProbe] = top.Name
	labels[engine.LabelVersion] = orchestrator.Version()
	req := testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			Image:      image,
			Cmd:        []string{"idle"},
			Networks:   []string{top.Network(segment)},
			Labels:     labels,
			WaitingFor: wait.ForLog("idle").WithStartupTimeout(30 * time.Second),
		},
		Started: true,
	}
	c, err := testcontainers.GenericContainer(ctx, req)
	testcontainers.CleanupContainer(t, c)
	if err != nil {
		t.Fatalf("topotest: probe on %s: %v", segment, err)
	}
	return &Probe{Segment: segment, Container: c, rt: top.o.Runtime()}
}

// CanReach reports whether a TCP connection from the probe to addr
// (host:port, or a bare host on the agent's port 7000) succeeds.
func (p *Probe) CanReach(t testing.TB, addr string) bool {
	t.Helper()
	// Not testcontainers' Exec: it asks for the exit code as soon as the
	// exec is attached, and an exec that has not started yet reads as
	// finished with exit 0, so a dial that would fail "reaches" under load
	// (seen in CI). The engine port waits for the output to end first.
	return dial(t, func(ctx context.Context, cmd []string) (int, string, error) {
		var out strings.Builder
		code, err := p.rt.Exec(ctx, p.Container.GetContainerID(), cmd, &out, &out)
		return code, out.String(), err
	}, addr)
}

// CanReach reports whether a TCP connection from a node's container to
// addr (host:port, or a bare host on the agent's port 7000) succeeds. A
// node running a user's own image dials from a helper in its network
// namespace, since its image need not hold topo's agent.
func (top *Topology) CanReach(t testing.TB, node, addr string) bool {
	t.Helper()
	return dial(t, func(ctx context.Context, cmd []string) (int, string, error) {
		var out strings.Builder
		code, err := top.o.ExecAgent(ctx, top.Name, orchestrator.ExecOptions{Node: node, Cmd: cmd, Stdout: &out, Stderr: &out})
		return code, out.String(), err
	}, addr)
}

func dial(t testing.TB, exec func(ctx context.Context, cmd []string) (int, string, error), addr string) bool {
	t.Helper()
	if !strings.Contains(addr, ":") {
		addr += ":7000"
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	code, out, err := exec(ctx, agent.DialCommand(addr, 2*time.Second))
	if err != nil {
		t.Fatalf("topotest: dial %s: %v", addr, err)
	}
	switch code {
	case 0:
		return true
	case 1:
		return false
	}
	t.Fatalf("topotest: dial %s: exit %d: %s", addr, code, out)
	return false
}

// String names the probe for test output.
func (p *Probe) String() string { return fmt.Sprintf("probe on %s", p.Segment) }
