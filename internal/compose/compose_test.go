package compose_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/internal/compose"
	"github.com/topo-dev/topo/internal/textdiff"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// export loads a testdata topology and exports it as `topo export compose`
// does: default plan options, the file as given, the topology's hash.
func export(t *testing.T, file string) ([]byte, *topology.Topology, *topology.Plan) {
	t.Helper()
	top, err := topology.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := topology.BuildPlan(top, topology.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := compose.Export(plan, compose.Options{PlanHash: top.Hash()})
	if err != nil {
		t.Fatal(err)
	}
	return out, top, plan
}

// goldens are the testdata topologies with a golden export beside them.
var goldens = []string{"ring", "custom", "own-image", "impaired", "sealed"}

func TestExportGolden(t *testing.T) {
	for _, name := range goldens {
		t.Run(name, func(t *testing.T) {
			out, _, _ := export(t, "testdata/"+name+".yaml")
			golden := filepath.Join("testdata", name+".compose.yaml")
			if *update {
				if err := os.WriteFile(golden, out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (create it with `go test ./compose -run TestExportGolden -update`)", err)
			}
			if !bytes.Equal(out, want) {
				t.Errorf("export of testdata/%s.yaml differs from %s; if the change is intended, run `go test ./compose -run TestExportGolden -update` and review the diff\n%s",
					name, golden, textdiff.First(string(want), string(out)))
			}
			// The same plan always exports the same bytes, whatever the
			// order Go gives map keys.
			for range 5 {
				again, _, _ := export(t, "testdata/"+name+".yaml")
				if !bytes.Equal(again, out) {
					t.Fatal("two exports of the same file differ")
				}
			}
		})
	}
}

// file is the part of a compose file the tests read back.
type file struct {
	Version  string
	Services map[string]struct {
		Image         string
		Command       []string
		ContainerName string `yaml:"container_name"`
		Hostname      string
		User          string
		ReadOnly      bool     `yaml:"read_only"`
		Tmpfs         []string `yaml:"tmpfs"`
		CapDrop       []string `yaml:"cap_drop"`
		CapAdd        []string `yaml:"cap_add"`
		SecurityOpt   []string `yaml:"security_opt"`
		MemLimit      int64    `yaml:"mem_limit"`
		PidsLimit     int64    `yaml:"pids_limit"`
		Sysctls       map[string]string
		Logging       struct {
			Driver  string
			Options map[string]string
		}
		ExtraHosts  []string `yaml:"extra_hosts"`
		Environment map[string]string
		Labels      map[string]string
		NetworkMode string `yaml:"network_mode"`
		DependsOn   any    `yaml:"depends_on"` // a list here, a mapping in docker-compose config
		Networks    map[string]struct {
			IPv4Address string `yaml:"ipv4_address"`
		}
	}
	Networks map[string]struct {
		Name       string
		Driver     string
		DriverOpts map[string]string `yaml:"driver_opts"`
		IPAM       struct {
			Driver string
			Config []struct{ Subnet, Gateway string }
		}
		Labels map[string]string
	}
}

// decode reads a compose file; strict, so that the export writes nothing
// the tests do not know of.
func decode(t *testing.T, b []byte) file {
	t.Helper()
	return decodeAs(t, b, true)
}

func decodeAs(t *testing.T, b []byte, strict bool) file {
	t.Helper()
	var f file
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(strict)
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("the export does not read back: %v", err)
	}
	return f
}

// unescape undoes the $$ escaping, as compose's interpolation does.
func unescape(s string) string { return strings.ReplaceAll(s, "$$", "$") }

// TestExportReadsBack checks the export against the plan it came from:
// names, addresses, subnets, config, labels and settings, with every value
// read back through compose's $$ rule.
func TestExportReadsBack(t *testing.T) {
	out, top, plan := export(t, "testdata/own-image.yaml")
	f := decode(t, out)
	if f.Version != "2.4" {
		t.Errorf("version %q, want 2.4", f.Version)
	}
	routed := 0 // nodes with IP routes, or that relay on a LAN, get a route helper service each
	for _, n := range plan.Nodes {
		if _, ok := orchestrator.RouteHelper(plan, n.Name, ""); ok {
			routed++
		}
	}
	if len(f.Services) != len(plan.Nodes)+routed || len(f.Networks) != len(plan.Segments) {
		t.Fatalf("%d services and %d networks, want %d and %d", len(f.Services), len(f.Networks), len(plan.Nodes)+routed, len(plan.Segments))
	}
	for _, n := range plan.Nodes {
		s := f.Services[n.Name]
		if s.ContainerName != plan.Name+"-"+n.Name {
			t.Errorf("%s: container_name %q", n.Name, s.ContainerName)
		}
		if s.Logging.Driver != "json-file" || s.Logging.Options["max-size"] != "10m" || s.Logging.Options["max-file"] != "3" {
			t.Errorf("%s: logging %+v, want json-file, 3 files of 10m", n.Name, s.Logging)
		}
		cfg, err := agent.ParseConfig([]byte(unescape(s.Environment[agent.ConfigEnv])))
		if err != nil {
			t.Errorf("%s: %s does not parse: %v", n.Name, agent.ConfigEnv, err)
		} else if cfg.Name != n.Name || cfg.Topology != plan.Name {
			t.Errorf("%s: config of %s in %s", n.Name, cfg.Name, cfg.Topology)
		}
		for seg, a := range n.Addresses {
			if got := s.Networks[seg].IPv4Address; got != a.String() {
				t.Errorf("%s on %s: ipv4_address %q, want %s", n.Name, seg, got, a)
			}
		}
		want := map[string]string{
			"topo.topology": plan.Name, "topo.node": n.Name, "topo.role": n.Role, "topo.layout": string(plan.Layout),
			"topo.file": top.File, "topo.plan": top.Hash(),
		}
		for k, v := range want {
			if got := unescape(s.Labels[k]); got != v {
				t.Errorf("%s: label %s = %q, want %q", n.Name, k, got, v)
			}
		}
		if n.Image == "" {
			if s.Image != "topo-node:latest" || s.User != "65534:65534" || !s.ReadOnly || s.MemLimit != 64<<20 || s.PidsLimit != 128 ||
				len(s.CapDrop) != 1 || s.CapDrop[0] != "ALL" || len(s.SecurityOpt) != 1 || s.SecurityOpt[0] != "no-new-privileges" ||
				len(s.Tmpfs) != 1 || s.Tmpfs[0] != "/run/topo:rw,noexec,nosuid,size=1m,uid=65534,gid=65534" {
				t.Errorf("%s runs topo's agent without its hardening: %+v", n.Name, s)
			}
			if len(s.Environment) != len(n.Env)+1 || s.Labels["topo.agent"] != "true" || s.Command != nil {
				t.Errorf("%s: the agent gets its config and the node's env only: env %v, command %v, agent label %q", n.Name, s.Environment, s.Command, s.Labels["topo.agent"])
			}
			continue
		}
		// A user's own image: its command and env, its own user and a
		// writable root, but confined as topo up confines it: no
		// capabilities, no new privileges, memory and pids limits.
		if unescape(s.Image) != n.Image || s.User != "" || s.ReadOnly || s.MemLimit != 256<<20 || s.PidsLimit != 256 ||
			len(s.CapDrop) != 1 || s.CapDrop[0] != "ALL" || len(s.SecurityOpt) != 1 || s.Labels["topo.agent"] != "false" {
			t.Errorf("%s: own image %q exported as %+v", n.Name, n.Image, s)
		}
		if len(s.Command) != len(n.Command) {
			t.Errorf("%s: command %q, want %q", n.Name, s.Command, n.Command)
		}
		for i := range min(len(s.Command), len(n.Command)) {
			if unescape(s.Command[i]) != n.Command[i] {
				t.Errorf("%s: command[%d] = %q, want %q", n.Name, i, unescape(s.Command[i]), n.Command[i])
			}
		}
		for k, v := range n.Env {
			if got, ok := s.Environment[k]; !ok || unescape(got) != v {
				t.Errorf("%s: env %s = %q, want %q", n.Name, k, unescape(got), v)
			}
		}
	}
	for i, seg := range plan.Segments {
		nw := f.Networks[seg.Name]
		if nw.Name != plan.Name+"-"+seg.Name || nw.Driver != "bridge" || len(nw.IPAM.Config) != 1 ||
			nw.IPAM.Config[0].Subnet != seg.Subnet.String() || nw.IPAM.Config[0].Gateway != seg.Gateway.String() {
			t.Errorf("segment %s exported as %+v", seg.Name, nw)
		}
		if nw.Labels["topo.segment"] != seg.Name || nw.Labels["topo.order"] != strconv.Itoa(i) || nw.Labels["topo.topology"] != plan.Name {
			t.Errorf("segment %s: labels %v", seg.Name, nw.Labels)
		}
	}
}

// TestExportEscapesDollars checks that no $ reaches compose alone: each
// one is doubled, so that compose's interpolation leaves a literal $.
func TestExportEscapesDollars(t *testing.T) {
	out, _, _ := export(t, "testdata/own-image.yaml")
	body := string(out)
	// The header comment is not interpolated; only look past it.
	body = body[strings.Index(body, "\nversion:"):]
	if !strings.Contains(body, "$$") {
		t.Fatal("the export holds no $$ at all; the testdata has dollars to escape")
	}
	if i := strings.Index(strings.ReplaceAll(body, "$$", ""), "$"); i >= 0 {
		t.Errorf("a lone $ in the export: %q", body[max(0, i-40):min(len(body), i+40)])
	}
	for _, want := range []string{
		`DOLLAR: "$$HOME and $$$${X} and $$"`,
		`- "Hi $$USER, $${HOME} costs $$$$5"`,
		`image: "registry.example:5000/probe:v$$1"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the export lacks %s", want)
		}
	}
}

// TestExportRefusesNames: a plan built in Go may hold names that compose
// does not take (a topology file cannot: its names are [a-z0-9-]). Each is
// refused with an UnsupportedError naming it, all at once, and no file.
func TestExportRefusesNames(t *testing.T) {
	plan := &topology.Plan{
		Name: "t", Layout: topology.ClientServer,
		Traffic: topology.Traffic{Protocol: "tcp", Interval: time.Second, Size: 64},
		Nodes:   []topology.PlanNode{{Name: "serv er", Role: "server"}, {Name: "c", Role: "client"}},
		Segments: []topology.PlanSegment{
			{Name: "lan/1", Members: []string{"serv er", "c"}},
		},
	}
	out, err := compose.Export(plan, compose.Options{})
	if err == nil || out != nil {
		t.Fatalf("Export = %q, %v; want no file and an error", out, err)
	}
	if !errors.Is(err, compose.ErrUnsupported) {
		t.Errorf("error %v is not ErrUnsupported", err)
	}
	var ue *compose.UnsupportedError
	if !errors.As(err, &ue) || !strings.HasPrefix(ue.Feature, `node name "serv er"`) || ue.Where != "topology t" {
		t.Errorf("error %v carries no UnsupportedError naming the node", err)
	}
	want := []string{
		`compose export: node name "serv er" (a compose service and container name is [a-zA-Z0-9][a-zA-Z0-9_.-]*) on topology t cannot be expressed in a compose file`,
		`compose export: segment name "lan/1" (a compose network name is [a-zA-Z0-9][a-zA-Z0-9_.-]*) on topology t cannot be expressed in a compose file`,
	}
	if got := strings.Split(err.Error(), "\n"); !slices.Equal(got, want) {
		t.Errorf("error:\n%s\nwant:\n%s", err, strings.Join(want, "\n"))
	}
}

// TestExportLongNames: topo up cuts a container's hostname to 63
// characters, the kernel's limit; so does the export.
func TestExportLongNames(t *testing.T) {
	// The longest names allowed: <topology>-<node> is a whole hostname.
	name := strings.Repeat("t", topology.MaxNameLen)
	nodeName := strings.Repeat("n", topology.MaxHostnameLen-topology.MaxNameLen-1)
	_, plan := mustPlan(t, "long.yaml", "layout: client-server\nnodes: [server, "+nodeName+"]\n", topology.PlanOptions{Name: name})
	out, err := compose.Export(plan, compose.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := decode(t, out).Services[nodeName]
	if s.ContainerName != name+"-"+nodeName || s.Hostname != s.ContainerName || len(s.Hostname) != topology.MaxHostnameLen {
		t.Errorf("container_name %q, hostname %q (%d)", s.ContainerName, s.Hostname, len(s.Hostname))
	}
}

// TestExportOptions: the image and the file label can be set; the file
// defaults to the plan's.
func TestExportOptions(t *testing.T) {
	_, plan := mustPlan(t, "dir/cs.yaml", "layout: client-server\nnodes: 2\n", topology.PlanOptions{})
	out, err := compose.Export(plan, compose.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := decode(t, out)
	if s := f.Services["server"]; s.Labels["topo.file"] != "dir/cs.yaml" || s.Image != "topo-node:latest" {
		t.Errorf("defaults: file label %q, image %q", s.Labels["topo.file"], s.Image)
	}
	if _, ok := f.Services["server"].Labels["topo.plan"]; ok {
		t.Error("a topo.plan label without a PlanHash")
	}
	out, err = compose.Export(plan, compose.Options{File: "../cs.yaml", Image: "topo-node:abc", PlanHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	f = decode(t, out)
	if s := f.Services["client1"]; s.Labels["topo.file"] != "../cs.yaml" || s.Image != "topo-node:abc" || s.Labels["topo.plan"] != "h" {
		t.Errorf("options: file label %q, image %q, plan %q", s.Labels["topo.file"], s.Image, s.Labels["topo.plan"])
	}
	if n := f.Networks["lan"]; n.Labels["topo.file"] != "../cs.yaml" || n.Labels["topo.plan"] != "h" {
		t.Errorf("network labels %v", n.Labels)
	}
}

// TestComposeConfig has docker-compose itself read every golden file (its
// YAML 1.1 parser, its schema for format 2.4, its interpolation) and checks
// that the values it ends up with are the topology's, dollars and all. It
// needs docker-compose, not a Docker engine.
func TestComposeConfig(t *testing.T) {
	bin, err := exec.LookPath("docker-compose")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("docker-compose is needed in CI (.ci/run installs it): %v", err)
		}
		t.Skipf("docker-compose not found: %v", err)
	}
	for _, name := range goldens {
		t.Run(name, func(t *testing.T) {
			exported, top, plan := export(t, "testdata/"+name+".yaml")
			mine := decode(t, exported)
			cmd := exec.Command(bin, "--ansi", "never", "-f", filepath.Join("testdata", name+".compose.yaml"), "config")
			cmd.Env = append(os.Environ(), "HOME=/home/nobody", "USER=nobody", "X=x")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("docker-compose config: %v\n%s", err, stderr.String())
			}
			// config prints values interpolated, with each $ escaped again.
			f := decodeAs(t, out, false)
			for _, n := range plan.Nodes {
				s := f.Services[n.Name]
				if got := unescape(s.Labels["topo.file"]); got != top.File {
					t.Errorf("%s: topo.file %q, want %q", n.Name, got, top.File)
				}
				// The node config, impairments and all, reaches the node as written.
				if got, want := unescape(s.Environment[agent.ConfigEnv]), unescape(mine.Services[n.Name].Environment[agent.ConfigEnv]); got != want {
					t.Errorf("%s: compose reads %s as\n%s\nwant\n%s", n.Name, agent.ConfigEnv, got, want)
				}
				if n.Image == "" {
					continue
				}
				if got := unescape(s.Image); got != n.Image {
					t.Errorf("%s: image %q, want %q", n.Name, got, n.Image)
				}
				for k, v := range n.Env {
					if got := unescape(s.Environment[k]); got != v {
						t.Errorf("%s: env %s = %q, want %q", n.Name, k, got, v)
					}
				}
				for i, a := range n.Command {
					if i >= len(s.Command) || unescape(s.Command[i]) != a {
						t.Errorf("%s: command %q, want %q", n.Name, s.Command, n.Command)
						break
					}
				}
			}
		})
	}
}
