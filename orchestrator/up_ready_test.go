package orchestrator_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
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
		nodeEnv   string // TOPO_NODE_LOG_LEVEL of spoke1
		noEvent   bool
		wantExecs int
		wantLogs  int // logs followed for the event
	}{
		{name: "the log says ready", wantExecs: 0, wantLogs: 4},
		{name: "debug logs say it too", logLevel: "debug", wantExecs: 0, wantLogs: 4},
		{name: "warn logs do not", logLevel: "warn", wantExecs: 4, wantLogs: 0},
		{name: "a node's own env says warn", nodeEnv: "warn", wantExecs: 1, wantLogs: 3},
		{name: "a node's own env says info over the file's warn", logLevel: "warn", nodeEnv: "INFO", wantExecs: 3, wantLogs: 1},
		{name: "a node's empty env leaves the file's warn", logLevel: "warn", nodeEnv: `""`, wantExecs: 4, wantLogs: 0},
		{name: "the event never comes", noEvent: true, wantExecs: 4, wantLogs: 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake()
			f.noReadyEvent = tc.noEvent
			o := fakeOrchestrator(f)
			src := "name: rl\nlayout: star\nnodes: 4\n"
			if tc.nodeEnv != "" {
				src = "name: rl\nlayout: star\nnodes: [hub, {name: spoke1, env: {" + agent.LogLevelEnv + ": " + tc.nodeEnv + "}}, spoke2, spoke3]\n"
			}
			if tc.logLevel != "" {
				src += "log: {level: " + tc.logLevel + "}\n"
			}
			if _, err := o.Up(context.Background(), loadText(t, src), orchestrator.UpOptions{Timeout: 3 * time.Second}); err != nil {
				t.Fatal(err)
			}
			if f.readyExecs != tc.wantExecs || f.readyFollows != tc.wantLogs {
				t.Errorf("ready asked of %d agents and read from %d logs, want %d and %d", f.readyExecs, f.readyFollows, tc.wantExecs, tc.wantLogs)
			}
		})
	}
}

// logsInfo reports whether an agent with this environment logs at info
// or debug, and so logs its ready event: its TOPO_NODE_LOG_LEVEL, else its
// config's log level.
func logsInfo(env []string) bool {
	level := ""
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		switch {
		case k == agent.LogLevelEnv && v != "":
			return !slices.Contains([]string{"warn", "error"}, strings.ToLower(v))
		case k == agent.ConfigEnv:
			var c agent.Config
			if json.Unmarshal([]byte(v), &c) == nil {
				level = c.LogLevel
			}
		}
	}
	return level != "warn" && level != "error"
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
