package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// runCLI runs the topo command line in-process.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCommandLine(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   []string // lines that must appear
		stderr   []string
		noStdout bool
	}{
		{
			name:   "every example is valid",
			args:   []string{"validate", "../../topologies/star.yaml", "../../topologies/ring.yaml", "../../topologies/bus.yaml", "../../topologies/p2p.yaml", "../../topologies/client-server.yaml", "../../topologies/custom.yaml"},
			stdout: []string{"ok ../../topologies/star.yaml (star, 5 nodes, 4 segments)", "ok ../../topologies/ring.yaml (ring, 5 nodes, 5 segments)", "ok ../../topologies/custom.yaml (custom, "},
		},
		{
			name:     "an invalid file exits 2 with every error at its position",
			args:     []string{"validate", "testdata/bad.yaml"},
			code:     2,
			stderr:   []string{"testdata/bad.yaml:2:8: nodes: want a count", "testdata/bad.yaml:4:3: traffic: unknown field \"colour\""},
			noStdout: true,
		},
		{
			name:   "good and bad files: the good ones are ok, the exit code is 2",
			args:   []string{"validate", "../../topologies/bus.yaml", "testdata/bad.yaml"},
			code:   2,
			stdout: []string{"ok ../../topologies/bus.yaml"},
			stderr: []string{"testdata/bad.yaml:2:8: nodes: want a count"},
		},
		{
			name:   "good, bad and missing files: each gets its verdict, the exit code is 2",
			args:   []string{"validate", "../../topologies/bus.yaml", "testdata/bad.yaml", "testdata/nope.yaml", "../../topologies/ring.yaml"},
			code:   2,
			stdout: []string{"ok ../../topologies/bus.yaml", "ok ../../topologies/ring.yaml"},
			stderr: []string{"testdata/bad.yaml:2:8: nodes: want a count", "nope.yaml"},
		},
		{
			name:   "a missing file",
			args:   []string{"validate", "testdata/nope.yaml"},
			code:   2,
			stderr: []string{"nope.yaml"},
		},
		{
			name:   "plan",
			args:   []string{"validate", "--plan", "../../topologies/ring.yaml"},
			stdout: []string{"node1-node2 10.210.0.0/29", "node5-node1", "routes:"},
		},
		{
			name:   "plan as json",
			args:   []string{"validate", "--plan", "-o", "json", "../../topologies/star.yaml"},
			stdout: []string{`"subnet": "10.210.0.0/29"`, `"routes": {`, `"interval": "2s"`},
		},
		{
			name:   "no file is a usage error",
			args:   []string{"validate"},
			code:   2,
			stderr: []string{"requires at least 1 arg"},
		},
		{
			name:   "unknown flag is a usage error",
			args:   []string{"validate", "--nope", "x.yaml"},
			code:   2,
			stderr: []string{"unknown flag: --nope"},
		},
		{
			name:   "-o json without --plan",
			args:   []string{"validate", "-o", "json", "../../topologies/star.yaml"},
			code:   2,
			stderr: []string{"add --plan"},
		},
		{
			name:   "graph of a missing file",
			args:   []string{"graph", "testdata/nope.yaml"},
			code:   2,
			stderr: []string{"nope.yaml"},
		},
		{
			name:   "up of a missing file is a usage error, before any Docker call",
			args:   []string{"up", "testdata/nope.yaml"},
			code:   2,
			stderr: []string{"nope.yaml"},
		},
		{
			name:   "up of an invalid file",
			args:   []string{"up", "testdata/bad.yaml"},
			code:   2,
			stderr: []string{"testdata/bad.yaml:2:8: nodes: want a count"},
		},
		{
			name:   "up with a negative timeout",
			args:   []string{"up", "--timeout", "-1s", "../../topologies/star.yaml"},
			code:   2,
			stderr: []string{"must be positive"},
		},
		{
			name:   "up with a bad --name",
			args:   []string{"up", "--name", "BAD_x", "../../topologies/star.yaml"},
			code:   2,
			stderr: []string{`up: --name "BAD_x" is not a valid topology name`},
		},
		{
			name:   "send with a zero timeout",
			args:   []string{"send", "--timeout", "0s", "a", "b", "hi"},
			code:   2,
			stderr: []string{"must be positive"},
		},
		{
			name:   "logs with a negative tail",
			args:   []string{"logs", "--tail", "-3"},
			code:   2,
			stderr: []string{`--tail "-3": want a number of lines, 0 or more, or all`},
		},
		{
			name:   "logs --since a time that is not one",
			args:   []string{"logs", "--since", "2026-11-31"},
			code:   2,
			stderr: []string{`--since "2026-11-31": want a duration (30s, 5m) or a time`},
		},
		{
			name:   "logs --event that the agent does not log",
			args:   []string{"logs", "--event", "send,delivered"},
			code:   2,
			stderr: []string{`--event "delivered" is not an event the agent logs; they are start, stop, link`},
		},
		{
			name:   "capture with a filter outside its language",
			args:   []string{"capture", "a", "b", "--filter", "tcp portrange 1-9", "-w", "-"},
			code:   2,
			stderr: []string{`capture: --filter "tcp portrange 1-9": unknown "portrange"`, "primitives tcp, udp"},
		},
		{
			name:   "capture with a negative count",
			args:   []string{"capture", "a", "b", "--count", "-1"},
			code:   2,
			stderr: []string{"capture: --count -1: want 0 (no limit) or more"},
		},
		{
			name:   "capture of three nodes",
			args:   []string{"capture", "a", "b", "c"},
			code:   2,
			stderr: []string{"capture: accepts between 1 and 2 arg(s)"},
		},
		{
			name:   "unknown output format",
			args:   []string{"validate", "-o", "xml", "../../topologies/star.yaml"},
			code:   2,
			stderr: []string{`unknown output format "xml"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errOut)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(out, want) {
					t.Errorf("stdout lacks %q:\n%s", want, out)
				}
			}
			for _, want := range tt.stderr {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut)
				}
			}
			if tt.noStdout && out != "" {
				t.Errorf("stdout should be empty, got:\n%s", out)
			}
		})
	}
}

func TestGraph(t *testing.T) {
	tests := []struct {
		file, format string
		want         []string
	}{
		{"bus", "dot", []string{"graph", "alpha", "delta", `"segment:bus" -- "node:alpha"`}},
		{"star", "mermaid", []string{"hub", "spoke4"}},
		{"ring", "dot", []string{"node1", "node5"}},
		{"p2p", "mermaid", []string{"peer1", "peer4"}},
		{"client-server", "dot", []string{"server", "client3"}},
		{"custom", "dot", []string{"seg1"}},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.format, func(t *testing.T) {
			code, out, errOut := runCLI(t, "graph", "-o", tt.format, "../../topologies/"+tt.file+".yaml")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("graph lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestHelpHasExamples(t *testing.T) {
	a := &app{}
	root := newRootCmd(a)
	for _, c := range root.Commands() {
		if c.Name() == "help" || c.Name() == "completion" || c.Hidden {
			continue
		}
		if c.Short == "" || c.Example == "" {
			t.Errorf("command %s lacks a short help or examples", c.Name())
		}
	}
}

func TestSinceTime(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		d    time.Duration
		want time.Time
	}{
		{0, time.Time{}},
		{time.Minute, now.Add(-time.Minute)},
		{500000 * time.Hour, time.Time{}}, // before 1970: from the start, not an engine error
	} {
		if got := sinceTime(now, tc.d); !got.Equal(tc.want) {
			t.Errorf("--since %v: %v, want %v", tc.d, got, tc.want)
		}
	}
}
