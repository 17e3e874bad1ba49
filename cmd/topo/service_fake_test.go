package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	topolib "github.com/topo-dev/topo"
	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// fakeService stands for the orchestrator: the verbs a test sets up
// answer, and any other panics (the embedded nil Service), so that a test
// shows which verbs a command uses.
type fakeService struct {
	orchestrator.Service
	running []orchestrator.TopologyInfo
	logs    map[string][]string // by node
	receipt *agent.Receipt
	sent    []orchestrator.SendOptions
}

func (f *fakeService) List(context.Context) ([]orchestrator.TopologyInfo, error) {
	return f.running, nil
}

func (f *fakeService) ResolveWhy(_ context.Context, ref string) (string, string, error) {
	if ref == "" {
		return f.running[0].Name, "", nil
	}
	return ref, "", nil
}

func (f *fakeService) AppliedPlan(context.Context, string) (*topology.Plan, error) {
	return &topology.Plan{}, nil
}

func (f *fakeService) Logs(_ context.Context, _ string, opts orchestrator.LogsOptions, emit func(orchestrator.LogLine) error) error {
	for _, n := range opts.Nodes {
		for _, l := range f.logs[n] {
			if err := emit(orchestrator.LogLine{Node: n, Text: l}); err != nil {
				return err
			}
		}
	}
	return nil
}

func (f *fakeService) Send(_ context.Context, _ string, opts orchestrator.SendOptions) (*agent.Receipt, error) {
	f.sent = append(f.sent, opts)
	return f.receipt, nil
}

func (f *fakeService) Up(_ context.Context, t *topology.Topology, _ orchestrator.UpOptions) (*orchestrator.UpResult, error) {
	plan, err := topology.BuildPlan(t, topology.PlanOptions{})
	return &orchestrator.UpResult{Name: t.Name, Plan: plan}, err
}

// runFake runs the command line against f, in-process, without an engine.
func runFake(t *testing.T, f *fakeService, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, self: "topo",
		connect: func(context.Context, topolib.Options) (orchestrator.Service, func(), error) { return f, func() {}, nil }}
	code = runApp(context.Background(), a, args)
	return code, out.String(), errOut.String()
}

// topo check judges a running topology's logs against its file, now, and
// exits 1 when an expectation does not hold.
func TestCheckAgainstAFake(t *testing.T) {
	file := filepath.Join(t.TempDir(), "lab.yaml")
	src := `layout: client-server
nodes: [server, client1]
expect:
  - {name: greeted, logs: {node: server, contains: "got connection from", count: ">= 1"}}
  - {name: thanked twice, logs: {node: client1, contains: "Thank you", count: "2"}}
`
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	f := &fakeService{
		running: []orchestrator.TopologyInfo{{Name: "lab"}},
		logs:    map[string][]string{"server": {"got connection from 10.0.0.3"}, "client1": {"received: Thank you for connecting"}},
	}
	code, out, errOut := runFake(t, f, "check", "-t", "lab", file)
	if code != exitFailure || !strings.Contains(out, "ok   greeted") ||
		!strings.Contains(out, `FAIL thanked twice  1 lines of client1's log hold "Thank you", want == 2`) ||
		!strings.Contains(out, "lab: 1 of 2 expectations held") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	f.logs["client1"] = append(f.logs["client1"], "received: Thank you for connecting")
	if code, out, _ := runFake(t, f, "check", "-t", "lab", "--report", "json=-", file); code != 0 || !strings.Contains(out, `"passed": true`) {
		t.Errorf("both held: exit %d\n%s", code, out)
	}
}

// topo send says what the receipt says, and a message not delivered is
// exit 1.
func TestSendAgainstAFake(t *testing.T) {
	f := &fakeService{
		running: []orchestrator.TopologyInfo{{Name: "lab"}},
		receipt: &agent.Receipt{ID: "a-1", From: "a", To: "c", Reason: "link_down", DroppedAt: "b", Path: []string{"a", "b"}},
	}
	code, out, errOut := runFake(t, f, "send", "a", "c", "hi")
	if code != exitFailure || !strings.Contains(out+errOut, "link_down") || len(f.sent) != 1 || f.sent[0].Text != "hi" {
		t.Errorf("exit %d, sent %+v\nstdout:\n%s\nstderr:\n%s", code, f.sent, out, errOut)
	}
}

// up of a file that expects something says how to check it.
func TestUpSaysHowToCheckAgainstAFake(t *testing.T) {
	file := filepath.Join(t.TempDir(), "lab.yaml")
	if err := os.WriteFile(file, []byte("layout: star\nnodes: 3\nexpect:\n  - {accounting: balanced}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runFake(t, &fakeService{}, "up", file)
	want := "note: " + file + " expects 1 thing: `topo check -t lab` checks those without a window now; `topo test " + file + "` runs the faults and checks them all"
	if code != 0 || !strings.Contains(out, "lab is up") || !strings.Contains(errOut, want) {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s\nwant %q", code, out, errOut, want)
	}
}
