package compose_test

import (
	"context"
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

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/compose"
	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/internal/nodeimage"
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
