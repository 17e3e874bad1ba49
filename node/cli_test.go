package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node"
	"github.com/topo-dev/topo/node/internal/cli"
)

func runCLI(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Main(context.Background(), args, func(k string) string { return env[k] }, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCLI(t *testing.T) {
	s := starSpec("tcp", 2)
	cfgs := s.configs()
	dir := t.TempDir()
	sock := filepath.Join(dir, "run", "control.sock")
	cfgs["spoke1"].ControlSocket = sock
	c := &cluster{t: t, cfgs: cfgs, order: []string{"hub", "spoke1", "spoke2"}, opts: testOptions(), nodes: map[string]*member{}}
	t.Cleanup(c.stopAll)
	c.start("spoke1", node.WithControlSocket(sock))
	cfgJSON, _ := json.Marshal(cfgs["spoke1"])
	env := map[string]string{agent.ConfigEnv: string(cfgJSON)}
	eventually(t, 5*time.Second, "the control socket", func() bool {
		code, _, _ := runCLI(t, env, "stats")
		return code == 0
	})

	code, _, stderr := runCLI(t, env, "ready")
	if code != 1 || !strings.Contains(stderr, "spoke1 not ready: links down to hub (127.") {
		t.Errorf("ready before the hub link: exit %d, %s", code, stderr)
	}
	c.start("hub")
	c.start("spoke2")
	if code, out, stderr := runCLI(t, env, "ready", "--wait", "10s"); code != 0 {
		t.Fatalf("ready --wait: exit %d: %s%s", code, out, stderr)
	}

	code, out, stderr := runCLI(t, env, "send", "spoke2", "hello there", "--timeout", "5s")
	if code != 0 {
		t.Fatalf("send: exit %d: %s%s", code, out, stderr)
	}
	var r map[string]any
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("send output %q: %v", out, err)
	}
	for _, k := range []string{"id", "from", "to", "delivered", "path", "rtt_ms", "one_way_ms"} {
		if _, ok := r[k]; !ok {
			t.Errorf("send output lacks %q: %s", k, out)
		}
	}
	if r["delivered"] != true || r["from"] != "spoke1" || r["to"] != "spoke2" {
		t.Errorf("send output %s", out)
	}

	code, out, _ = runCLI(t, nil, "send", "--socket", sock, "nobody", "x")
	if code != 1 || !strings.Contains(out, `"reason":"no_route"`) {
		t.Errorf("send to nobody: exit %d, %s", code, out)
	}
	code, out, _ = runCLI(t, nil, "send", "--socket", sock, "--no-receipt", "spoke2", "x")
	if code != 0 || !strings.Contains(out, `"queued":true`) {
		t.Errorf("send --no-receipt: exit %d, %s", code, out)
	}

	code, out, _ = runCLI(t, env, "stats")
	var st agent.Stats
	if err := json.Unmarshal([]byte(out), &st); code != 0 || err != nil {
		t.Fatalf("stats: exit %d, %v: %s", code, err, out)
	}
	if st.RSSBytes <= 0 {
		t.Errorf("stats rss_bytes %d, want more than 0", st.RSSBytes)
	}
	if st.Name != "spoke1" || st.Role != "spoke" || st.Layout != "star" || !st.Ready || st.Counters.Originated != 3 ||
		len(st.Neighbors) != 1 || st.Neighbors[0].Name != "hub" || st.Neighbors[0].State != "up" {
		t.Errorf("stats %s", out)
	}
	for _, k := range []string{`"dropped_by_reason":{"no_route":1}`, `"neighbors":[{"name":"hub"`, `"since":"`, `"rss_bytes":`} {
		if !strings.Contains(out, k) {
			t.Errorf("stats output lacks %s: %s", k, out)
		}
	}

	// The orchestrator's form: text that starts with a dash, after "--".
	code, out, stderr = runCLI(t, nil, "send", "--socket", sock, "--timeout", "5s", "--", "spoke2", "-x --not-a-flag")
	if code != 0 || !strings.Contains(out, `"delivered":true`) {
		t.Errorf("send -- spoke2 -x: exit %d, %s%s", code, out, stderr)
	}

	// A burst, in the orchestrator's form, and what a burst refuses.
	burst := append(agent.BurstCommand("spoke2", "x", 50, 5*time.Second)[1:], "")
	copy(burst[2:], burst[1:])
	burst[1] = "--socket=" + sock
	code, out, stderr = runCLI(t, nil, burst...)
	if code != 0 || !strings.Contains(out, `"delivered":true`) || !strings.Contains(out, `"count":50`) || !strings.Contains(out, `"per_second":`) {
		t.Errorf("send --count 50: exit %d, %s%s", code, out, stderr)
	}
	for _, bad := range [][]string{{"--count", "0"}, {"--count", "5", "--no-receipt"}} {
		if code, _, _ := runCLI(t, nil, append(append([]string{"send", "--socket", sock}, bad...), "spoke2", "x")...); code != 2 {
			t.Errorf("send %v: exit %d, want 2", bad, code)
		}
	}

	if code, _, _ := runCLI(t, nil, "frobnicate"); code != 2 {
		t.Errorf("unknown verb: exit %d, want 2", code)
	}
	if code, _, _ := runCLI(t, nil, "send", "--socket", sock, "only-one-arg"); code != 2 {
		t.Errorf("send with one argument: exit %d, want 2", code)
	}
	if code, _, stderr := runCLI(t, nil, "stats", "--socket", filepath.Join(dir, "nope.sock")); code != agent.ExitNoAgent || !strings.Contains(stderr, "is the agent running") {
		t.Errorf("stats without agent: exit %d, %s", code, stderr)
	}
}

func TestCLIRun(t *testing.T) {
	cfgs := p2pSpec("udp", 2).configs()
	cfg := cfgs["p1"]
	cfg.ControlSocket = filepath.Join(t.TempDir(), "c.sock")
	b, _ := json.Marshal(cfg)
	logs := &logBuf{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- cli.Main(ctx, []string{"run"}, func(k string) string {
			if k == agent.ConfigEnv {
				return string(b)
			}
			return ""
		}, logs, logs)
	}()
	eventually(t, 5*time.Second, "the agent to start", func() bool {
		return len(logs.events("start")) == 1
	})
	line := logs.events("start")[0]
	if line["node"] != "p1" || line["msg"] != "node p1 started" || line["time"] == nil {
		t.Errorf("start line %v", line)
	}
	code, out, _ := runCLI(t, nil, "stats", "--socket", cfg.ControlSocket)
	if code != 0 || !strings.Contains(out, `"name":"p1"`) {
		t.Errorf("stats: exit %d, %s", code, out)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("run exited %d: %s", code, logs.String())
	}

	if code, _, stderr := runCLI(t, nil, "run"); code != 1 || !strings.Contains(stderr, agent.ConfigEnv) {
		t.Errorf("run without config: exit %d, %s", code, stderr)
	}
}

// TestSendReceiptFlagGone: a receipt is the default, so send has only
// --no-receipt.
func TestSendReceiptFlagGone(t *testing.T) {
	code, _, stderr := runCLI(t, nil, "send", "--socket", filepath.Join(t.TempDir(), "none.sock"), "--receipt", "b", "x")
	if code != agent.ExitUsage || !strings.Contains(stderr, "-receipt") {
		t.Errorf("send --receipt: exit %d, %s", code, stderr)
	}
}

// TestCLITraffic: traffic off stops the node's background traffic, on
// starts it again, and anything else is a usage error.
func TestCLITraffic(t *testing.T) {
	s := p2pSpec("udp", 2)
	s.every = 20 * time.Millisecond
	cfgs := s.configs()
	sock := filepath.Join(t.TempDir(), "c.sock")
	cfgs["p1"].ControlSocket = sock
	c := &cluster{t: t, cfgs: cfgs, order: []string{"p1", "p2"}, opts: testOptions(), nodes: map[string]*member{}}
	t.Cleanup(c.stopAll)
	c.start("p1", node.WithControlSocket(sock))
	c.start("p2")
	c.waitReady()
	p1 := c.agent("p1")
	eventually(t, 5*time.Second, "traffic", func() bool { return p1.Stats().Counters.Originated > 3 })
	if code, out, stderr := runCLI(t, nil, "traffic", "--socket", sock, "off"); code != 0 || !strings.Contains(out, `"name":"p1"`) {
		t.Fatalf("traffic off: exit %d, %s%s", code, out, stderr)
	}
	time.Sleep(50 * time.Millisecond) // a message being sent as it turned off
	before := p1.Stats().Counters.Originated
	time.Sleep(300 * time.Millisecond)
	if after := p1.Stats().Counters.Originated; after != before {
		t.Errorf("traffic off: originated %d, then %d", before, after)
	}
	if code, _, _ := runCLI(t, nil, "traffic", "--socket", sock, "on"); code != 0 {
		t.Errorf("traffic on: exit %d", code)
	}
	eventually(t, 5*time.Second, "traffic again", func() bool { return p1.Stats().Counters.Originated > before })
	if code, _, _ := runCLI(t, nil, "traffic", "--socket", sock, "sideways"); code != 2 {
		t.Errorf("traffic sideways: exit %d, want 2", code)
	}
}

// TestCLIDialAgent checks that probing a running agent over UDP leaves its
// counters alone.
func TestCLIDialAgent(t *testing.T) {
	c := startSpec(t, p2pSpec("udp", 2))
	c.waitReady()
	addr := net.JoinHostPort(c.cfgs["p1"].Segments[0].Addr, "7000")
	if code, _, stderr := runCLI(t, nil, "dial", "--udp", "--timeout", "100ms", addr); code != 0 {
		t.Fatalf("dial --udp %s: exit %d, %s", addr, code, stderr)
	}
	if code, _, stderr := runCLI(t, nil, "dial", addr); code != 0 {
		t.Fatalf("dial %s: exit %d, %s", addr, code, stderr)
	}
	if st := c.agent("p1").Stats().Counters; st.Dropped != 0 || st.Ignored != 0 {
		t.Errorf("a probe changed the counters: %+v", st)
	}
}

func TestCLIIdle(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := &logBuf{}
	done := make(chan int, 1)
	go func() { done <- cli.Main(ctx, []string{"idle"}, func(string) string { return "" }, out, out) }()
	eventually(t, 5*time.Second, "the idle line", func() bool { return len(out.events("idle")) == 1 })
	line := out.String()
	if strings.Count(line, "\n") != 1 || !strings.Contains(line, "idle") {
		t.Errorf("idle printed %q, want one line", line)
	}
	select {
	case code := <-done:
		t.Fatalf("idle returned %d before it was stopped", code)
	case <-time.After(50 * time.Millisecond):
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("idle exited %d after a stop, want 0", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("idle did not stop")
	}
}
