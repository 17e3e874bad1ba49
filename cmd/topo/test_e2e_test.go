package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/topo-dev/topo/internal/livetest"
)

// TestIntegrationTopoTest runs `topo test` as the README shows it, on the
// shipped example whose link flaps: every expectation holds, exit 0, a
// JUnit report that validates against the schema and a JSON one, and
// nothing left running.
func TestIntegrationTopoTest(t *testing.T) {
	livetest.Require(t)
	t.Parallel()
	name := livetest.Name(t, "flap")
	t.Cleanup(func() { topo(t, nil, "down", name) })
	dir := t.TempDir()
	junit, js := filepath.Join(dir, "report.xml"), filepath.Join(dir, "report.json")
	r := topo(t, nil, "test", "--name", name, "--report", "junit="+junit, "--report", "json="+js, "../../topologies/client-server-flap.yaml").must(t, 0)
	if !strings.Contains(r.stdout, name+": 8 of 8 expectations held") || strings.Contains(r.stdout, "FAIL") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	for _, want := range []string{"is up:", "flap-1", "lifted: ", "removed " + name} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("progress without %q:\n%s", want, r.stderr)
		}
	}
	var rep struct {
		Results []struct {
			Name   string `json:"name"`
			Passed bool   `json:"passed"`
		} `json:"results"`
		Steps []struct{ What string } `json:"steps"`
	}
	data, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rep); err != nil || len(rep.Results) != 8 || len(rep.Steps) != 4 {
		t.Errorf("json report: %v\n%s", err, data)
	}
	if xmllint, err := exec.LookPath("xmllint"); err == nil {
		out, err := exec.Command(xmllint, "--noout", "--schema", "../../internal/experiment/testdata/junit.xsd", junit).CombinedOutput()
		if err != nil {
			t.Errorf("junit report: %v\n%s", err, out)
		}
	} else if os.Getenv("CI") == "true" {
		t.Error("xmllint is missing; .ci/run installs libxml2-utils")
	}
	if out := topo(t, nil, "ls").must(t, 0).stdout; strings.Contains(out, name) {
		t.Errorf("topo test left %s running:\n%s", name, out)
	}
}

// brokenFile expects client1 to reach client2 all the time, and cuts the
// server's link to client2 for a second and a half.
const brokenFile = `layout: client-server
nodes: [server, client1, client2]
traffic: {interval: 0}
faults:
  - {name: cut, at: 1s, link: [server, client2], down: 1500ms}
expect:
  - name: client2 always answers
    from: client1
    reach: client2
`

// TestIntegrationTopoTestFails: an expectation that the faults break
// fails with exit 1 and the moment and the fault in the report; with
// --keep the topology stays, `topo check` then judges the same
// expectation now that no fault is in force (it holds), and a second
// `topo test` tests the running topology and leaves it running.
func TestIntegrationTopoTestFails(t *testing.T) {
	livetest.Require(t)
	t.Parallel()
	name := livetest.Name(t, "broken")
	t.Cleanup(func() { topo(t, nil, "down", name) })
	file := filepath.Join(t.TempDir(), "broken.yaml")
	if err := os.WriteFile(file, []byte(brokenFile), 0o644); err != nil {
		t.Fatal(err)
	}
	r := topo(t, nil, "test", "--keep", "--name", name, file).must(t, 1)
	if !strings.Contains(r.stdout, "FAIL client2 always answers  client1 → client2 not reached ") ||
		!strings.Contains(r.stdout, "with cut (at 1s: link server–client2 down for 1500ms)") ||
		!strings.Contains(r.stdout, "0 of 1 expectations held") {
		t.Fatalf("stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	r = topo(t, nil, "check", "-t", name, file).must(t, 0)
	if !strings.Contains(r.stdout, "ok   client2 always answers") {
		t.Errorf("check:\n%s", r.stdout)
	}
	r = topo(t, nil, "test", "--name", name, file).must(t, 1)
	if !strings.Contains(r.stderr, name+" runs already") || strings.Contains(r.stderr, "removed "+name) {
		t.Errorf("a second test of the running topology:\n%s", r.stderr)
	}
	if out := topo(t, nil, "ls").must(t, 0).stdout; !strings.Contains(out, name) {
		t.Errorf("the topology went, though it ran before the test:\n%s", out)
	}
}

// Bad usage is said before anything runs, exit 2.
func TestTopoTestUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"test", "--report", "xml=out.xml", "../../topologies/client-server-flap.yaml"}, `--report "xml=out.xml": want junit=PATH or json=PATH`},
		{[]string{"test", "--interval", "1ms", "../../topologies/client-server-flap.yaml"}, "--interval 1ms: want at least 10ms"},
		{[]string{"test", "../../topologies/star.yaml"}, "expects nothing: add an expect: section"},
	} {
		code, _, errOut := runCLI(t, c.args...)
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("topo %s: exit %d, %q; want %d and %q", strings.Join(c.args, " "), code, errOut, exitUsage, c.want)
		}
	}
}
