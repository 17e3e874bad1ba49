package orchestrator_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
)

// TestFailedFaultHelperIsOneLine: a fault whose helper fails says what
// failed and the first line of the helper's output, in one line; the rest
// (the agent's usage text) goes to the debug log only.
func TestFailedFaultHelperIsOneLine(t *testing.T) {
	f := newFake()
	var debug bytes.Buffer
	o := orchestrator.New(f, orchestrator.WithNodeImage(func(context.Context) (string, error) { return "topo-node:fake", nil }),
		orchestrator.WithLogger(slog.New(slog.NewTextHandler(&debug, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	ctx := context.Background()
	if _, err := o.Up(ctx, load(t, "../topologies/star.yaml"), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	usage := "invalid value \"1bit\" for flag -rate: want a rate\nUsage of agent filter:\n  -rate string\n    \tthe rate\n  -rules string\n    \tthe rules"
	f.failHelper = func(s engine.ContainerSpec) error { return errors.New(usage) }
	_, err := o.Link(ctx, "star", orchestrator.LinkOptions{A: "hub", B: "spoke1", Down: true})
	if err == nil {
		t.Fatal("link down with a failing helper: no error")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || strings.Contains(msg, "Usage of") || !strings.Contains(msg, "packet filter of") ||
		!strings.Contains(msg, `exited 1: invalid value "1bit" for flag -rate: want a rate (--debug shows all it said)`) {
		t.Errorf("error:\n%s\nwant one line: what failed, the first line of the output, and a pointer to --debug", msg)
	}
	if !strings.Contains(debug.String(), "Usage of agent filter") {
		t.Errorf("the debug log lacks the helper's whole output:\n%s", debug.String())
	}
}

// TestUnknownNodeNameIsClipped: a 5,000-character node name is refused
// with its first 64 characters and "…", not repeated in full.
func TestUnknownNodeNameIsClipped(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	if _, err := o.Up(ctx, load(t, "../topologies/star.yaml"), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("n", 5000)
	_, sendErr := o.Send(ctx, "star", orchestrator.SendOptions{From: long, To: "hub", Text: "x"})
	logsErr := o.Logs(ctx, "star", orchestrator.LogsOptions{Nodes: []string{long}}, func(orchestrator.LogLine) error { return nil })
	for what, err := range map[string]error{"send": sendErr, "logs": logsErr} {
		if !errors.Is(err, orchestrator.ErrNoNode) || len(err.Error()) > 300 || !strings.Contains(err.Error(), `"`+long[:64]+`…"`) {
			t.Errorf("%s from a 5,000-character node: %.300v; want ErrNoNode quoting 64 characters and …", what, err)
		}
	}
}
