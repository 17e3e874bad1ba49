package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/orchestrator"
)

// TestLsMarksLeftovers: ls says which topology a killed test run left, and
// how to remove it, in the table and in JSON.
func TestLsMarksLeftovers(t *testing.T) {
	left := &orchestrator.Leftover{TestRun: "topotest.test:4242:1:b:n:h:m", Binary: "topotest.test", PID: 4242}
	tops := []orchestrator.TopologyInfo{
		{Name: "kept", Layout: "p2p", Nodes: 2, Running: 2, Created: time.Now()},
		{Name: "left", Layout: "p2p", Nodes: 2, Running: 2, Created: time.Now(), Leftover: left},
	}
	tests := []struct {
		self, want string
	}{
		{"", "left: leftover of a killed test run (topotest.test, pid 4242); `topo down left` removes it\n"},
		{"go run ./cmd/topo", "`go run ./cmd/topo down left` removes it\n"},
	}
	for _, tc := range tests {
		var out bytes.Buffer
		printTopologies(&app{stdout: &out, self: tc.self}, tops)
		if !strings.HasSuffix(out.String(), tc.want) || strings.Count(out.String(), "leftover") != 1 {
			t.Errorf("self %q: ls printed\n%s\nwant one leftover note ending %q", tc.self, out.String(), tc.want)
		}
	}
	var js bytes.Buffer
	if err := writeJSON(&app{stdout: &js}, tops); err != nil {
		t.Fatal(err)
	}
	if strings.Count(js.String(), `"leftover"`) != 1 || !strings.Contains(js.String(), `"pid": 4242`) {
		t.Errorf("ls -o json:\n%s\nwant one leftover, with its pid", js.String())
	}
}
