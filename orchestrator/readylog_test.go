package orchestrator_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// Up waits for each agent's ready event in its log rather than running a
// process in every node, unless the agents log only warnings, or the event
// does not come; then it asks each agent.
func TestUpReadyFromLogs(t *testing.T) {
	for _, tc := range []struct {
		name      string
		logLevel  string
		noEvent   bool
		wantExecs int
	}{
		{name: "the log says ready", wantExecs: 0},
		{name: "debug logs say it too", logLevel: "debug", wantExecs: 0},
		{name: "warn logs do not", logLevel: "warn", wantExecs: 4},
		{name: "the event never comes", noEvent: true, wantExecs: 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			f.noReadyEvent = tc.noEvent
			o := fakeOrchestrator(f)
			src := "name: rl\nlayout: star\nnodes: 4\n"
			if tc.logLevel != "" {
				src += "log: {level: " + tc.logLevel + "}\n"
			}
			if _, err := o.Up(context.Background(), loadText(t, src), orchestrator.UpOptions{Timeout: 3 * time.Second}); err != nil {
				t.Fatal(err)
			}
			if f.readyExecs != tc.wantExecs {
				t.Errorf("ready asked of %d agents, want %d", f.readyExecs, tc.wantExecs)
			}
		})
	}
}

// loadText loads a topology from YAML text.
func loadText(t *testing.T, src string) *topology.Topology {
	t.Helper()
	file := filepath.Join(t.TempDir(), "t.yaml")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return load(t, file)
}
