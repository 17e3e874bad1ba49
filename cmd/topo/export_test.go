package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/compose"
	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/internal/textdiff"
	"github.com/topo-dev/topo/topology"
)

// regenerate is how a developer brings compose.yaml up to date.
const regenerate = "go run ./cmd/topo export compose --offline --pool " + composePool + " topologies/client-server.yaml -o compose.yaml"

// composePool is where the repository's compose.yaml takes its subnets:
// outside topology.DefaultPool, which topo up takes from, so that the
// quick start and compose.yaml run side by side on one engine.
const composePool = "10.211.0.0/16"

// TestComposeYAMLIsCurrent keeps the repository's compose.yaml identical to
// the export of the client-server example, made the way a user makes it
// from the repository root.
func TestComposeYAMLIsCurrent(t *testing.T) {
	t.Chdir("../..")
	want, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatalf("%v; create it with:\n  %s", err, regenerate)
	}
	code, out, errOut := runCLI(t, "export", "compose", "--offline", "--pool", composePool, "topologies/client-server.yaml")
	if code != 0 {
		t.Fatalf("topo export compose topologies/client-server.yaml: exit %d\n%s\ncompose.yaml must be this example's export: make the example exportable, then run:\n  %s", code, errOut, regenerate)
	}
	if out != string(want) {
		t.Errorf("compose.yaml is not the export of topologies/client-server.yaml; regenerate it with:\n  %s\nfirst difference: %s", regenerate, textdiff.First(string(want), out))
	}
	// Written to a file, the export is the same bytes.
	tmp := filepath.Join(t.TempDir(), "compose.yaml")
	if code, _, errOut := runCLI(t, "export", "compose", "--offline", "--pool", composePool, "topologies/client-server.yaml", "-o", tmp); code != 0 {
		t.Fatalf("export -o: exit %d: %s", code, errOut)
	}
	if got, _ := os.ReadFile(tmp); !bytes.Contains(got, []byte("version: \"2.4\"")) {
		t.Errorf("export -o %s wrote:\n%s", tmp, got)
	}
}

func TestExportCompose(t *testing.T) {
	dir := t.TempDir()
	top := filepath.Join(dir, "topologies", "lan.yaml")
	if err := os.MkdirAll(filepath.Dir(top), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(top, []byte("layout: client-server\nnodes: 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "deploy", "compose.yaml")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr []string
	}{
		{
			name:   "to stdout, the file label as given",
			args:   []string{"export", "compose", top},
			stdout: []string{`version: "2.4"`, "container_name: lan-server", "topo.file: " + filepath.ToSlash(top), "image: topo-node:latest", "topo build"},
		},
		{
			name:   "another name",
			args:   []string{"export", "compose", "--name", "lab2", top},
			stdout: []string{"container_name: lab2-client1", "name: lab2-lan", "topo.topology: lab2"},
		},
		{
			name:   "a bad name is a usage error",
			args:   []string{"export", "compose", "--name", "Bad_Name", top},
			code:   2,
			stderr: []string{"Bad_Name"},
		},
		{
			name:   "impairments travel in the node config",
			args:   []string{"export", "compose", "--offline", "../../topologies/ring.yaml"},
			stdout: []string{"container_name: ring-node1", `"name":"node1-node2","addr":"10.210.0.2","subnet":"10.210.0.0/29","impairment":{"delay":"10ms"}`},
		},
		{
			name:   "an invalid file",
			args:   []string{"export", "compose", "testdata/bad.yaml"},
			code:   2,
			stderr: []string{"testdata/bad.yaml:2:8:"},
		},
		{
			name:   "a missing file",
			args:   []string{"export", "compose", "testdata/nope.yaml"},
			code:   2,
			stderr: []string{"nope.yaml"},
		},
		{
			name:   "no file",
			args:   []string{"export", "compose"},
			code:   2,
			stderr: []string{"accepts 1 arg"},
		},
		{
			name:   "no format",
			args:   []string{"export"},
			code:   2,
			stderr: []string{"topo export compose FILE"},
		},
		{
			name:   "an unknown format",
			args:   []string{"export", "kube", top},
			code:   2,
			stderr: []string{`unknown command "kube"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout, stderr)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout)
				}
			}
			for _, want := range tt.stderr {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
			if tt.code != 0 && stdout != "" {
				t.Errorf("a failed export printed:\n%s", stdout)
			}
		})
	}

	t.Run("to a file, the file label relative to it", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, "export", "compose", top, "-o", out)
		if code != 0 || stdout != "" {
			t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		var f struct {
			Services map[string]struct{ Labels map[string]string }
		}
		if err := yaml.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		if got := f.Services["server"].Labels["topo.file"]; got != "../topologies/lan.yaml" {
			t.Errorf("topo.file = %q, want ../topologies/lan.yaml", got)
		}
		if !strings.Contains(stderr, "wrote "+out) {
			t.Errorf("stderr lacks the file written: %s", stderr)
		}
	})
}

// TestExportComposeRefused: what compose cannot express is a usage error
// (exit 2) that names it and says what to do, with nothing written. No
// topology file holds such a thing (compose refuses only names, and a
// file's names always suit it), so the exporter is handed a plan with a
// node renamed, and compose's own refusal goes through the command.
func TestExportComposeRefused(t *testing.T) {
	renamed := func(plan *topology.Plan, opts compose.Options) ([]byte, error) {
		p := *plan
		p.Nodes = slices.Clone(plan.Nodes)
		p.Nodes[0].Name = "Serv er"
		return compose.Export(&p, opts)
	}
	const file = "../../topologies/client-server.yaml"
	for _, output := range []string{"", filepath.Join(t.TempDir(), "compose.yaml")} {
		var stdout, stderr bytes.Buffer
		a := &app{stdout: &stdout, stderr: &stderr}
		err := a.exportComposeWith(renamed, file, exportComposeFlags{output: output}, nil)
		var ue usageError
		if !errors.As(err, &ue) || !errors.Is(err, compose.ErrUnsupported) {
			t.Fatalf("-o %q: error %v, want a usageError (exit 2) wrapping compose.ErrUnsupported", output, err)
		}
		for _, want := range []string{`compose export: node name "Serv er"`, "cannot be expressed in a compose file", "to export " + file + ", remove"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("-o %q: error lacks %q:\n%v", output, want, err)
			}
		}
		if stdout.Len() > 0 || stderr.Len() > 0 {
			t.Errorf("-o %q: a refused export printed:\nstdout: %s\nstderr: %s", output, &stdout, &stderr)
		}
		if output != "" {
			if _, err := os.Stat(output); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a refused export wrote %s: %v", output, err)
			}
		}
	}
	// The same path with the real exporter exports.
	var stdout bytes.Buffer
	a := &app{stdout: &stdout, stderr: io.Discard}
	if err := a.exportComposeWith(compose.Export, file, exportComposeFlags{}, nil); err != nil || stdout.Len() == 0 {
		t.Errorf("export of %s: %v, %d bytes", file, err, stdout.Len())
	}
}

func TestLabelPath(t *testing.T) {
	abs := filepath.Join(t.TempDir(), "t", "x.yaml")
	tests := []struct{ file, output, want string }{
		{"topologies/x.yaml", "", "topologies/x.yaml"},
		{"./topologies/../topologies/x.yaml", "", "topologies/x.yaml"},
		{"topologies/x.yaml", "compose.yaml", "topologies/x.yaml"},
		{"topologies/x.yaml", "out/compose.yaml", "../topologies/x.yaml"},
		{"x.yaml", "compose.yaml", "x.yaml"},
		{abs, "", filepath.ToSlash(abs)},
		{abs, filepath.Join(filepath.Dir(abs), "compose.yaml"), "x.yaml"},
		{abs, filepath.Join(filepath.Dir(abs), "sub", "compose.yaml"), "../x.yaml"},
	}
	for _, tt := range tests {
		if got := labelPath(tt.file, tt.output); got != tt.want {
			t.Errorf("labelPath(%q, %q) = %q, want %q", tt.file, tt.output, got, tt.want)
		}
	}
}

// TestIntegrationExportSteersClear: with a network on the engine that
// holds the file plan's first subnet, the export takes other subnets, clear
// of every network on the engine, as up would; --offline keeps the file's
// plan.
func TestIntegrationExportSteersClear(t *testing.T) {
	livetest.Require(t)
	rt := livetest.Runtime(t)
	ctx := context.Background()
	code, offline, errOut := runCLI(t, "export", "compose", "--offline", "../../topologies/star.yaml")
	if code != 0 || !strings.Contains(offline, `subnet: "10.210.0.0/29"`) {
		t.Fatalf("export --offline: exit %d, want the file's plan (10.210.0.0/29): %s\n%s", code, errOut, offline)
	}
	// Take the file plan's first subnet, unless a network has it already.
	first := netip.MustParsePrefix("10.210.0.0/29")
	id, err := rt.CreateNetwork(ctx, engine.NetworkSpec{Name: livetest.Name(t, "taken"), Subnet: first,
		Gateway: netip.MustParseAddr("10.210.0.1"), Labels: map[string]string{engine.LabelTopology: livetest.Name(t, "taken")}})
	if err == nil {
		t.Cleanup(func() { _ = rt.RemoveNetwork(context.Background(), id) })
	}

	code, out, errOut := runCLI(t, "export", "compose", "../../topologies/star.yaml")
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	nets, err := rt.ListNetworks(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	subnets := composeSubnets(t, out)
	if len(subnets) != 4 || slices.Contains(subnets, first) {
		t.Errorf("export subnets %v: want 4, none of them %s", subnets, first)
	}
	for _, sn := range subnets {
		for _, n := range nets {
			for _, used := range n.Subnets {
				if used.Overlaps(sn) {
					t.Errorf("the export's subnet %s overlaps %s of network %s", sn, used, n.Name)
				}
			}
		}
	}
}

// composeSubnets are the subnets a compose file's networks declare.
func composeSubnets(t *testing.T, file string) []netip.Prefix {
	t.Helper()
	var out []netip.Prefix
	for _, line := range strings.Split(file, "\n") {
		if _, v, ok := strings.Cut(strings.TrimSpace(line), "subnet: "); ok {
			p, err := netip.ParsePrefix(strings.Trim(v, `"`))
			if err != nil {
				t.Fatalf("subnet %q: %v", v, err)
			}
			out = append(out, p)
		}
	}
	return out
}

// The quick start's star, planned as topo up plans it on an empty engine,
// and the repository's compose.yaml share no subnet, so that both run on
// one engine.
func TestComposeYAMLBesideTheQuickStart(t *testing.T) {
	t.Chdir("../..")
	b, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var composed []netip.Prefix
	for _, m := range regexp.MustCompile(`subnet: "?([0-9./]+)`).FindAllStringSubmatch(string(b), -1) {
		composed = append(composed, netip.MustParsePrefix(m[1]))
	}
	if len(composed) == 0 {
		t.Fatal("compose.yaml names no subnet")
	}
	top, err := topology.Load("topologies/star.yaml")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := topology.BuildPlan(top, topology.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range plan.Segments {
		for _, c := range composed {
			if s.Subnet.Overlaps(c) {
				t.Errorf("the star's segment %s (%s) overlaps compose.yaml's %s", s.Name, s.Subnet, c)
			}
		}
	}
}

// --pool is checked by the rules of network.pool, and named in the error.
func TestExportComposePoolIsChecked(t *testing.T) {
	t.Chdir("../..")
	code, _, errOut := runCLI(t, "export", "compose", "--offline", "--pool", "8.8.0.0/16", "topologies/client-server.yaml")
	if code != 2 || !strings.Contains(errOut, "--pool") || !strings.Contains(errOut, "not a private block") {
		t.Errorf("exit %d, stderr %q; want 2 and the rule, naming --pool", code, errOut)
	}
}
