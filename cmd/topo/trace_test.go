package main

import (
	"strings"
	"testing"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/orchestrator"
)

// trace's flags are checked before any engine is reached: a bad value is
// one line in topo's words and exit 2, never the agent's usage text.
func TestTraceFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--max-hops", "-1"}, "trace: --max-hops -1: want 1 to 64"},
		{[]string{"--max-hops", "0"}, "trace: --max-hops 0: want 1 to 64"},
		{[]string{"--max-hops", "999999999"}, "trace: --max-hops 999999999: want 1 to 64"},
		{[]string{"--timeout", "-1s"}, "trace: --timeout -1s: want more than 0, up to 10s"},
		{[]string{"--timeout", "0"}, "trace: --timeout 0s: want more than 0, up to 10s"},
		{[]string{"--timeout", "1h"}, "trace: --timeout 1h0m0s: want more than 0, up to 10s"},
	} {
		args := append([]string{"trace", "-t", "nosuch", "a", "b"}, tc.args...)
		code, out, errOut := runCLI(t, args...)
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		if code != exitUsage || out != "" || len(lines) != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("topo %v: exit %d, stdout %q, stderr %q; want exit 2 and one line %q", args, code, out, errOut, tc.want)
		}
	}
}

// A trace that stops short says where and why, once: the hub that
// answered is not listed again as a hop.
func TestPrintTraceStop(t *testing.T) {
	a, out := testApp()
	r := &agent.TraceResult{To: "10.0.0.9", Hops: []agent.TraceHop{{TTL: 1, Addr: "10.0.0.1", Node: "hub", RTTMs: 0.1}},
		Stop: &agent.TraceStop{Addr: "10.0.0.1", Node: "hub", Why: "link hub–spoke1 is down"}}
	printTrace(a, orchestrator.TraceOptions{From: "spoke2", To: "spoke1"}, r)
	want := "trace spoke2 → spoke1 (10.0.0.9)\n  1  hub  10.0.0.1  0.10 ms\nspoke1 not reached: stops at hub: link hub–spoke1 is down\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}
