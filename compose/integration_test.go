package compose_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/compose"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/nodeimage"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

func TestMain(m *testing.M) { livetest.Main(m, "cx") }

// The client-server example, cut to three nodes to keep it quick.
const clientServer = `
layout: client-server
nodes:
  - {name: server, role: server}
  - client1
  - client2
`

// A star, so that the hub sits on two networks, with a delay on every link,
// which the agents apply from their config.
const star = `
layout: star
nodes: 3
traffic: {interval: 500ms}
link: {delay: 20ms}
`

// starDelay is the star's link delay: a message from spoke to spoke and
// its receipt back cross four links, each member delaying what it sends.
const starDelay = 20 * time.Millisecond

// TestIntegrationComposeClientServer runs an exported file with
// docker-compose: the nodes wire themselves and say so in their logs, and
// topo's status, send and labels work on what compose made.
func TestIntegrationComposeClientServer(t *testing.T) {
	t.Parallel()
	o := livetest.Engine(t)
	dc := dockerCompose(t)
	image := nodeImage(t, o)

	top, plan := livePlan(t, o, "client-server.yaml", clientServer, "cs")
	name := plan.Name
	// A $ in any value must reach the engine as it is, not interpolated.
	const file = "topologies/$HOME/$${x}/client-server.yaml"
	out, err := compose.Export(plan, compose.Options{File: file, PlanHash: top.Hash(), Image: image})
	if err != nil {
		t.Fatal(err)
	}
	p := newProject(t, o, dc, name, out)
	p.up()

	// Each client logs the greeting once it is connected; wait for both.
	logs := p.waitLogs("got connection from",
		`"msg":"received: Thank you for connecting","node":"client1"`,
		`"msg":"received: Thank you for connecting","node":"client2"`)
	for _, c := range []string{"client1", "client2"} {
		greeted := slices.ContainsFunc(strings.Split(logs, "\n"), func(l string) bool {
			return strings.Contains(l, `"node":"`+c+`"`) && strings.Contains(l, "received: Thank you for connecting")
		})
		if !greeted {
			t.Errorf("%s did not log the server's greeting:\n%s", c, logs)
		}
	}

	st := waitReady(t, o, name, len(plan.Nodes))
	for i, n := range st.Nodes {
		pn := plan.Nodes[i]
		if n.Name != pn.Name || n.Role != pn.Role || n.Container != engine.ContainerName(name, pn.Name) {
			t.Errorf("status node %d = %s (%s, %s), want %s (%s)", i, n.Name, n.Role, n.Container, pn.Name, pn.Role)
		}
		if got, want := n.Addresses["lan"], pn.Addresses["lan"].String(); got != want {
			t.Errorf("status %s: address on lan %s, want %s", n.Name, got, want)
		}
	}
	if len(st.Segments) != 1 || st.Segments[0].Network != engine.NetworkName(name, "lan") || st.Segments[0].Subnet != plan.Segments[0].Subnet.String() {
		t.Errorf("status segments = %+v, want lan on %s", st.Segments, plan.Segments[0].Subnet)
	}
	if st.File != file {
		t.Errorf("status file = %q, want %q as written", st.File, file)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if got, err := o.Resolve(ctx, name); err != nil || got != name {
		t.Errorf("Resolve(%s) = %q, %v", name, got, err)
	}
	r, err := o.Send(ctx, name, orchestrator.SendOptions{From: "client1", To: "client2", Text: "hello", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"client1", "server", "client2"}; !r.Delivered || !slices.Equal(r.Path, want) {
		t.Errorf("send client1 -> client2 = %+v, want delivered along %v", r, want)
	}
}

// TestIntegrationComposeMatchesUp brings the same topology up with topo up
// and with docker-compose, one after the other under the same name and
// pool, and compares what the engine holds: every container's and network's
// settings, labels, addresses and environment (the node config, link delay
// included). It checks that the agents compose started delay their links,
// then removes the compose topology with topo down.
func TestIntegrationComposeMatchesUp(t *testing.T) {
	t.Parallel()
	o := livetest.Engine(t)
	dc := dockerCompose(t)
	docker := dockerCLI(t)
	image := nodeImage(t, o)

	top, plan := livePlan(t, o, "star.yaml", star, "star")
	name := plan.Name

	// topo up first, inspected and removed.
	t.Cleanup(func() { downAndCheck(t, o, name) })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := o.Up(ctx, top, orchestrator.UpOptions{Name: name}); err != nil {
		t.Fatalf("up %s: %v", name, err)
	}
	byUp := inspect(t, docker, plan)
	downAndCheck(t, o, name)

	// Then compose, with the label topo up writes for the file.
	abs, err := filepath.Abs(top.File)
	if err != nil {
		t.Fatal(err)
	}
	out, err := compose.Export(plan, compose.Options{File: abs, PlanHash: top.Hash(), Image: image})
	if err != nil {
		t.Fatal(err)
	}
	p := newProject(t, o, dc, name, out)
	p.up()
	waitReady(t, o, name, len(plan.Nodes))
	byCompose := inspect(t, docker, plan)

	for _, k := range slices.Sorted(maps.Keys(byUp)) {
		if !reflect.DeepEqual(byUp[k], byCompose[k]) {
			t.Errorf("%s differs:\ntopo up: %s\ncompose: %s", k, jsonOf(byUp[k]), jsonOf(byCompose[k]))
		}
	}
	if len(byCompose) != len(byUp) {
		t.Errorf("compose made %d resources, topo up %d", len(byCompose), len(byUp))
	}

	// spoke1 -> hub -> spoke2 and the receipt back: four delayed links. A
	// lower bound only; how much longer it takes is the host's business.
	sctx, scancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer scancel()
	r, err := o.Send(sctx, name, orchestrator.SendOptions{From: "spoke1", To: "spoke2", Text: "hello", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("send spoke1 -> spoke2: rtt %.1fms", r.RTTMs)
	if want := []string{"spoke1", "hub", "spoke2"}; !r.Delivered || !slices.Equal(r.Path, want) {
		t.Errorf("send spoke1 -> spoke2 = %+v, want delivered along %v", r, want)
	} else if floor := 4 * starDelay; time.Duration(r.RTTMs*float64(time.Millisecond)) < floor {
		t.Errorf("send spoke1 -> spoke2: rtt %.1fms, want at least %v with a delay of %v on every link", r.RTTMs, floor, starDelay)
	}

	// topo down removes what compose made; docker-compose down then finds
	// nothing and still succeeds (in cleanup).
	downAndCheck(t, o, name)
}

// project is one compose project: a file run under a unique project name.
type project struct {
	t         *testing.T
	bin, name string
	file      string
}

// newProject writes the compose file and registers its removal with
// docker-compose down, checked for leftovers, before anything can fail.
func newProject(t *testing.T, o *orchestrator.Orchestrator, bin, name string, content []byte) *project {
	t.Helper()
	file := filepath.Join(t.TempDir(), "compose.yaml")
	if err := os.WriteFile(file, content, 0o644); err != nil {
		t.Fatal(err)
	}
	p := &project{t: t, bin: bin, name: name, file: file}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if out, err := p.run(ctx, "down", "--timeout", "5"); err != nil {
			t.Errorf("docker-compose down: %v\n%s", err, out)
		}
		if left := livetest.Leftovers(t, o, name); len(left) > 0 {
			t.Errorf("docker-compose down left %v", left)
			_, _ = o.Down(ctx, name, orchestrator.DownOptions{})
		}
	})
	return p
}

func (p *project) run(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, p.bin, append([]string{"--ansi", "never", "-p", p.name, "-f", p.file}, args...)...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.Dir = filepath.Dir(p.file)
	err := cmd.Run()
	return out.String(), err
}

func (p *project) up() {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if out, err := p.run(ctx, "up", "-d"); err != nil {
		p.t.Fatalf("docker-compose up: %v\n%s", err, out)
	}
}

// waitLogs polls docker-compose logs until they hold every string wanted.
func (p *project) waitLogs(want ...string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	tick := time.NewTicker(300 * time.Millisecond)
	defer tick.Stop()
	var out string
	for {
		var err error
		out, err = p.run(ctx, "logs", "--no-color")
		if err == nil && containsAll(out, want) {
			return out
		}
		select {
		case <-ctx.Done():
			p.t.Fatalf("docker-compose logs lack %q after 90s:\n%s", want, out)
		case <-tick.C:
		}
	}
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// waitReady polls topo status until every node reports ready.
func waitReady(t *testing.T, o *orchestrator.Orchestrator, name string, nodes int) *orchestrator.Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	tick := time.NewTicker(300 * time.Millisecond)
	defer tick.Stop()
	var last string
	for {
		st, err := o.Status(ctx, name, orchestrator.StatusOptions{})
		if err == nil && len(st.Nodes) == nodes && !slices.ContainsFunc(st.Nodes, func(n orchestrator.NodeStatus) bool { return !n.Ready }) {
			return st
		}
		last = fmt.Sprintf("%v %s", err, jsonOf(st))
		select {
		case <-ctx.Done():
			t.Fatalf("topo status of %s: not every node ready after 90s: %s", name, last)
		case <-tick.C:
		}
	}
}

// downAndCheck removes a topology with topo down and checks nothing is left.
func downAndCheck(t *testing.T, o *orchestrator.Orchestrator, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := o.Down(ctx, name, orchestrator.DownOptions{}); err != nil {
		t.Errorf("topo down %s: %v", name, err)
	}
	if left := livetest.Leftovers(t, o, name); len(left) > 0 {
		t.Errorf("topo down %s left %v", name, left)
	}
}

// dockerCompose finds docker-compose; .ci/run installs it. Without it the
// test skips, except in CI.
// dockerCompose finds docker-compose, and keeps the engine out of and in
// swarm mode until t ends: the networks docker-compose makes are
// attachable, and an engine leaving a swarm takes every container off
// those.
func dockerCompose(t *testing.T) string {
	t.Helper()
	dc := tool(t, "docker-compose")
	livetest.NoSwarmChange(t)
	return dc
}

// dockerCLI finds the docker command, to inspect what the engine holds.
func dockerCLI(t *testing.T) string {
	t.Helper()
	return tool(t, "docker")
}

func tool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is needed in CI (.ci/run installs docker-compose): %v", name, err)
		}
		t.Skipf("%s not found, compose test skipped: %v", name, err)
	}
	return path
}

// shared is the node image this package's tests export, ensured by the
// first test that needs it.
var shared struct {
	sync.Mutex
	ref string
}

// nodeImage makes sure the node image exists and is tagged
// topo-node:latest, as `topo build` does, and returns its content tag. The
// tests export the content tag rather than topo-node:latest, which names
// whatever image was built last, here or in a user's checkout. The image is
// shared with the other test packages; livetest.Main removes it at the very
// end, and the topo-node:latest tag goes when the test that added it ends,
// unless the user had one before.
func nodeImage(t *testing.T, o *orchestrator.Orchestrator) string {
	t.Helper()
	shared.Lock()
	defer shared.Unlock()
	if shared.ref == "" {
		livetest.RestoreLatest(t, o.Runtime())
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		ref, _, err := nodeimage.Ensure(ctx, o.Runtime(), nodeimage.Options{TagLatest: true})
		if err != nil {
			t.Fatal(err)
		}
		shared.ref = ref
	}
	return shared.ref
}

var pools struct {
	sync.Mutex
	taken []netip.Prefix
}

// freePool picks a /24 that no Docker network overlaps, away from the
// default pool that other packages' tests allocate from, and different from
// every pool this process picked before.
func freePool(t *testing.T, o *orchestrator.Orchestrator) netip.Prefix {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	nets, err := o.Runtime().ListNetworks(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	pools.Lock()
	defer pools.Unlock()
	used := slices.Clone(pools.taken)
	for _, n := range nets {
		used = append(used, n.Subnets...)
	}
	// 10.211.0.0 to 10.250.255.0: forty /16s of /24s, started at random
	// so that test runs beside each other rarely meet.
	const count = 40 * 256
	start := rand.IntN(count)
	for k := range count {
		i := (start + k) % count
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(211 + i/256), byte(i % 256), 0}), 24)
		if !slices.ContainsFunc(used, p.Overlaps) {
			pools.taken = append(pools.taken, p)
			return p
		}
	}
	t.Fatal("no free /24 in 10.211.0.0-10.250.255.255")
	return netip.Prefix{}
}

func parse(t *testing.T, file, src string) *topology.Topology {
	t.Helper()
	top, err := topology.Parse(file, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return top
}

// mustPlan parses src and plans it.
func mustPlan(t *testing.T, file, src string, opts topology.PlanOptions) (*topology.Topology, *topology.Plan) {
	t.Helper()
	top := parse(t, file, src)
	plan, err := topology.BuildPlan(top, opts)
	if err != nil {
		t.Fatal(err)
	}
	return top, plan
}

// livePlan plans src for a live test: on a pool no network uses, under a
// name unique to the run.
func livePlan(t *testing.T, o *orchestrator.Orchestrator, file, src, base string) (*topology.Topology, *topology.Plan) {
	t.Helper()
	top := parse(t, file, src)
	top.Network = topology.Network{Pool: freePool(t, o).String(), PoolSet: true}
	plan, err := topology.BuildPlan(top, topology.PlanOptions{Name: livetest.Name(t, base)})
	if err != nil {
		t.Fatal(err)
	}
	return top, plan
}

// The parts of `docker inspect` that make a node or a segment what it is.
// Compose's own labels, network aliases and endpoint IDs are left out.
type containerView struct {
	Name string
	// Image is the agent's content hash (the image's topo.content label,
	// which the engine copies onto the container), not the image ID: test
	// processes that build the same agent at once make two images of it,
	// and its tag names the later one.
	Image      string
	Hostname   string
	User       string
	Env        []string
	Cmd        []string
	Entrypoint []string
	Labels     map[string]string
	Host       struct {
		NetworkMode    string
		ReadonlyRootfs bool
		Tmpfs          map[string]string
		CapAdd         []string
		CapDrop        []string
		SecurityOpt    []string
		Privileged     bool
		Memory         int64
		PidsLimit      *int64
		PortBindings   map[string]any
		Binds          []string
		RestartPolicy  struct{ Name string }
	}
	Addresses map[string]string // network -> IPv4 address asked for
}

type networkView struct {
	Name       string
	Driver     string
	IPAMDriver string
	Subnets    []string
	Gateways   []string
	Internal   bool
	EnableIPv6 bool
	Options    map[string]string
	Labels     map[string]string
}

// inspect reads every container and network of a plan back from the engine.
func inspect(t *testing.T, docker string, plan *topology.Plan) map[string]any {
	t.Helper()
	var cnames, nnames []string
	for _, n := range plan.Nodes {
		cnames = append(cnames, engine.ContainerName(plan.Name, n.Name))
	}
	for _, s := range plan.Segments {
		nnames = append(nnames, engine.NetworkName(plan.Name, s.Name))
	}
	views := map[string]any{}

	var cs []struct {
		Name   string
		Config struct {
			Hostname   string
			User       string
			Env        []string
			Cmd        []string
			Entrypoint []string
			Labels     map[string]string
		}
		HostConfig      json.RawMessage
		NetworkSettings struct {
			Networks map[string]struct {
				IPAMConfig *struct{ IPv4Address string }
			}
		}
	}
	dockerJSON(t, docker, &cs, append([]string{"container", "inspect"}, cnames...)...)
	for _, c := range cs {
		v := containerView{
			Name: strings.TrimPrefix(c.Name, "/"), Image: c.Config.Labels[nodeimage.LabelContent], Hostname: c.Config.Hostname, User: c.Config.User,
			Env: withoutSecret(t, slices.Sorted(slices.Values(c.Config.Env))), Cmd: c.Config.Cmd, Entrypoint: c.Config.Entrypoint,
			Labels: withoutCompose(c.Config.Labels), Addresses: map[string]string{},
		}
		if v.Image == "" {
			t.Errorf("container %s: no %s label from its image", v.Name, nodeimage.LabelContent)
		}
		if err := json.Unmarshal(c.HostConfig, &v.Host); err != nil {
			t.Fatal(err)
		}
		// Compose sends empty lists where topo sends none: the same.
		if len(v.Host.PortBindings) == 0 {
			v.Host.PortBindings = nil
		}
		if len(v.Host.Binds) == 0 {
			v.Host.Binds = nil
		}
		for net, ep := range c.NetworkSettings.Networks {
			if ep.IPAMConfig != nil {
				v.Addresses[net] = ep.IPAMConfig.IPv4Address
			}
		}
		views["container "+v.Name] = v
	}

	var ns []struct {
		Name       string
		Driver     string
		Internal   bool
		EnableIPv6 bool
		Options    map[string]string
		Labels     map[string]string
		IPAM       struct {
			Driver string
			Config []struct{ Subnet, Gateway string }
		}
	}
	dockerJSON(t, docker, &ns, append([]string{"network", "inspect"}, nnames...)...)
	for _, n := range ns {
		v := networkView{Name: n.Name, Driver: n.Driver, IPAMDriver: n.IPAM.Driver, Internal: n.Internal, EnableIPv6: n.EnableIPv6, Options: n.Options, Labels: withoutCompose(n.Labels)}
		for _, c := range n.IPAM.Config {
			v.Subnets = append(v.Subnets, c.Subnet)
			v.Gateways = append(v.Gateways, c.Gateway)
		}
		views["network "+v.Name] = v
	}
	if len(views) != len(cnames)+len(nnames) {
		t.Fatalf("inspect found %d resources, want %d", len(views), len(cnames)+len(nnames))
	}
	return views
}

func dockerJSON(t *testing.T, docker string, v any, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, docker, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("docker %s: %v", strings.Join(args, " "), err)
	}
}

// withoutCompose leaves out compose's own labels, and topo.run, which
// names the one `topo up` that made a resource and so differs by design.
func withoutCompose(labels map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range labels {
		if !strings.HasPrefix(k, "com.docker.compose.") && k != engine.LabelRun {
			out[k] = v
		}
	}
	return out
}

func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// withoutSecret drops the secret from a node config in env: topo up makes
// a new one each time, and an export (a file anyone reads) has none.
func withoutSecret(t *testing.T, env []string) []string {
	t.Helper()
	out := slices.Clone(env)
	for i, kv := range out {
		v, ok := strings.CutPrefix(kv, agent.ConfigEnv+"=")
		if !ok {
			continue
		}
		cfg, err := agent.ParseConfig([]byte(v))
		if err != nil {
			t.Fatalf("%s: %v", agent.ConfigEnv, err)
		}
		cfg.Secret = ""
		b, err := json.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = agent.ConfigEnv + "=" + string(b)
	}
	return out
}
