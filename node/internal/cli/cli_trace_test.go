package cli_test

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/topo-dev/topo/agent"
)

func TestCLITraceLoopback(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("trace is Linux only")
	}
	code, out, stderr := runCLI(t, nil, "trace", "--max-hops", "3", "--timeout", "2s", "127.0.0.1")
	if code != 0 || stderr != "" {
		t.Fatalf("trace 127.0.0.1: exit %d, %q, %q", code, out, stderr)
	}
	var res agent.TraceResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%q: %v", out, err)
	}
	if !res.Reached || res.To != "127.0.0.1" || len(res.Hops) != 1 || res.Hops[0].Addr != "127.0.0.1" {
		t.Errorf("trace 127.0.0.1 = %+v; want reached in one hop", res)
	}
}

func TestCLITraceUsage(t *testing.T) {
	for _, args := range [][]string{
		{"trace"},
		{"trace", "127.0.0.1", "127.0.0.2"},
		{"trace", "--max-hops", "0", "127.0.0.1"},
		{"trace", "--max-hops", "256", "127.0.0.1"},
		{"trace", "--timeout", "0s", "127.0.0.1"},
		{"trace", "--hops", "3", "127.0.0.1"},
		{"trace", "::1"},
	} {
		code, out, stderr := runCLI(t, nil, args...)
		if code != 2 || out != "" || !strings.Contains(stderr, "usage:") {
			t.Errorf("%q: exit %d, %q, %q; want 2 and the usage", args, code, out, stderr)
		}
	}
}

// The command line the contract builds is one the CLI takes.
func TestCLITraceCommand(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("trace is Linux only")
	}
	cmd := agent.TraceCommand("127.0.0.1", 2, 500_000_000)
	if code, out, stderr := runCLI(t, nil, cmd[1:]...); code != 0 || !strings.Contains(out, `"reached":true`) {
		t.Errorf("%q: exit %d, %q, %q", cmd, code, out, stderr)
	}
}
