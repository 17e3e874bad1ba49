package topotest_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/topotest"
)

// cutFile cuts the link server–client2 for four seconds, and
// expects the cut to be felt, client2 to come back, and the books to
// balance.
const cutFile = `layout: client-server
nodes: [server, client1, client2]
traffic: {interval: 0}
faults:
  - {name: cut, at: 1s, link: [server, client2], down: 4s}
expect:
  - {name: the cut is felt, from: client1, reach: client2, fails: true, during: cut}
  - {name: client2 comes back, from: client1, reach: client2, recovers-within: 5s, after: cut}
  - {name: no message lost, accounting: balanced}
`

// TestIntegrationExpect runs a file's expectations from Go: one subtest
// an expectation, all held, the timeline's two steps run by Expect
// itself (Up leaves the faults of a file that expects something to it).
func TestIntegrationExpect(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "cut.yaml")
	if err := os.WriteFile(file, []byte(cutFile), 0o644); err != nil {
		t.Fatal(err)
	}
	top := topotest.Up(t, file, topotest.WithName(livetest.Name(t, "expect")))
	rep := top.Expect(t)
	if len(rep.Results) != 3 || !rep.Passed() || len(rep.Steps) != 2 {
		t.Errorf("report: %d results, passed %v, %d steps; want 3, true, 2", len(rep.Results), rep.Passed(), len(rep.Steps))
	}
}
