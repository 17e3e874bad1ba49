package experiment_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/experiment"
	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

func TestMain(m *testing.M) { livetest.Main(m, "ex") }

// starFile is a star of three agents and two nodes of the user's own
// image (busybox): web answers /pong over HTTP on 8080, box only waits.
// The link hub–spoke2 is cut from 3s to 7s.
func starFile(t *testing.T, image string) *topology.Topology {
	t.Helper()
	src := fmt.Sprintf(`layout: star
nodes:
  - {name: hub, role: hub}
  - spoke1
  - spoke2
  - {name: web, image: %[1]q, command: [/bin/busybox, sh, -c, "echo pong > /pong && exec /bin/busybox httpd -f -p 8080 -h /"]}
  - {name: box, image: %[1]q, command: [/bin/busybox, sleep, "3600"]}
traffic: {interval: 0}
faults:
  - {at: 3s, link: [hub, spoke2], down: 4s}
`, image)
	file := filepath.Join(t.TempDir(), "star.yaml")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	top, err := topology.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	top.Faults[0].Name = "cut"
	return top
}

// expectations are every kind, each meant to hold but the last two: one
// that the cut breaks, and a latency bound no connection can meet (a
// recovery too slow for its bound is judged on recorded tries in
// TestRecovery: live, a recovery can be measured as 0).
func expectations() []topology.Expectation {
	const s = time.Second
	web := func(kind topology.ProbeKind, port int) *topology.Target {
		return &topology.Target{Kind: kind, Node: "web", Port: port}
	}
	spoke2 := &topology.Target{Kind: topology.ProbeNode, Node: "spoke2"}
	return []topology.Expectation{
		{Name: "box connects to web", From: "box", Reach: web(topology.ProbeTCP, 8080)},
		{Name: "web answers pong, fast", From: "box", Reach: &topology.Target{Kind: topology.ProbeHTTP, Node: "web", Port: 8080, Path: "/pong", Body: "pong"},
			Within: &topology.LatencyBound{Percentile: 50, Max: 200 * time.Millisecond}},
		{Name: "web pings back", From: "box", Reach: &topology.Target{Kind: topology.ProbeICMP, Node: "web"}},
		{Name: "nothing on udp 9999", From: "box", Reach: web(topology.ProbeUDP, 9999), Fails: true},
		{Name: "spoke1 reaches spoke2 before the cut", From: "spoke1", Reach: spoke2, During: &topology.Window{From: 0, To: 2500 * time.Millisecond}},
		{Name: "the cut is felt", From: "spoke1", Reach: spoke2, Fails: true, During: &topology.Window{From: 3 * s, To: 6 * s}},
		{Name: "spoke2 comes back", From: "spoke1", Reach: spoke2, Recovery: &topology.Recovery{Step: "cut", Lifted: 7 * s, Within: 5 * s}},
		{Name: "no message lost", Accounting: topology.AccountingBalanced},
		{Name: "spoke2 got messages", Logs: &topology.LogExpectation{Node: "spoke2", Contains: `"event":"deliver"`, Count: topology.Count{Op: ">=", N: 1}}},
		{Name: "wget in box", Run: &topology.RunExpectation{Node: "box", Command: []string{"/bin/busybox", "wget", "-qO-", "http://web:8080/pong"}}},
		// Meant to fail:
		{Name: "spoke2 always reachable", From: "spoke1", Reach: spoke2},
		{Name: "web answers in a nanosecond", From: "box", Reach: web(topology.ProbeTCP, 8080), Within: &topology.LatencyBound{Percentile: 50, Max: time.Nanosecond}},
	}
}

// TestIntegrationExperiment runs every kind of expectation on a star with
// agents and the user's own image while a link is cut and comes back:
// those meant to hold hold, and the two meant to fail fail with the
// evidence (the moment, the fault in force, the recovery time).
func TestIntegrationExperiment(t *testing.T) {
	t.Parallel()
	o := livetest.Engine(t)
	image := livetest.Busybox(t, o.Runtime())
	top := starFile(t, image)
	top.Expect = expectations()
	name := livetest.Name(t, "exp")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	t.Cleanup(func() {
		if _, err := o.Down(context.Background(), name, orchestrator.DownOptions{}); err != nil {
			t.Errorf("down %s: %v", name, err)
		}
		if left := livetest.Leftovers(t, o, name); len(left) > 0 {
			t.Errorf("down %s left %v", name, left)
		}
	})
	if _, err := o.Up(ctx, top, orchestrator.UpOptions{Name: name}); err != nil {
		t.Fatal(err)
	}
	var progress []string
	rep, err := experiment.Run(ctx, o, name, top, experiment.Options{Progress: func(l string) { progress = append(progress, l) }})
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	_ = rep.WriteText(&text)
	t.Logf("report:\n%s\nprogress:\n  %s", text.String(), strings.Join(progress, "\n  "))
	if len(rep.Results) != len(top.Expect) {
		t.Fatalf("%d results for %d expectations", len(rep.Results), len(top.Expect))
	}
	for _, r := range rep.Results[:len(rep.Results)-2] {
		if !r.Passed {
			t.Errorf("%s: failed: %s", r.Name, r.Summary)
		}
	}
	always, tooFast := rep.Results[len(rep.Results)-2], rep.Results[len(rep.Results)-1]
	if always.Passed || always.First == nil || always.First.Ended < 3*time.Second || always.First.At > 7*time.Second ||
		!strings.Contains(always.Summary, "with cut (at 3s: link hub–spoke2 down for 4s)") {
		t.Errorf("spoke2 always reachable: %+v, want a failing try that ends after 3s and begins before 7s, with the cut in force", always)
	}
	if tooFast.Passed || !strings.Contains(tooFast.Summary, "p50 latency") || !strings.Contains(tooFast.Summary, "over the bound 1ns") {
		t.Errorf("web answers in a nanosecond: %+v, want a latency over the bound", tooFast)
	}
	if len(rep.Steps) != 2 || rep.Steps[0].Began < 0 || rep.Steps[1].Done < rep.Steps[0].Done {
		t.Errorf("steps: %+v, want the cut and its lift", rep.Steps)
	}
	if n, err := probeHelpers(ctx, o, name); err != nil || n != 0 {
		t.Errorf("%d probe helpers left running (%v)", n, err)
	}
}

// probeHelpers counts the probe helpers of name still there.
func probeHelpers(ctx context.Context, o *orchestrator.Orchestrator, name string) (int, error) {
	cs, err := o.Runtime().ListContainers(ctx, map[string]string{engine.LabelHelper: name})
	n := 0
	for _, c := range cs {
		if strings.Contains(c.Name, "-probe-") {
			n++
		}
	}
	return n, err
}
