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

// TestLsShowsHosts: on a swarm of several hosts ls says which hosts each
// topology's nodes run on; on one engine it has no HOSTS column.
func TestLsShowsHosts(t *testing.T) {
	one := []orchestrator.TopologyInfo{{Name: "a", Layout: "p2p", Nodes: 2, Running: 2, Created: time.Now()}}
	var out bytes.Buffer
	printTopologies(&app{stdout: &out}, one)
	if strings.Contains(out.String(), "HOSTS") {
		t.Errorf("one engine:\n%s\nwant no HOSTS column", out.String())
	}
	many := append(one, orchestrator.TopologyInfo{Name: "b", Layout: "ring", Nodes: 3, Running: 3, Created: time.Now(), Hosts: []string{"h1", "h2"}})
	out.Reset()
	printTopologies(&app{stdout: &out}, many)
	lines := strings.Split(out.String(), "\n")
	if !strings.Contains(lines[0], "HOSTS") || !strings.Contains(lines[1], " - ") || !strings.Contains(lines[2], " h1,h2 ") {
		t.Errorf("a swarm:\n%s\nwant a HOSTS column with - and h1,h2", out.String())
	}
}
