// Package topotest brings live topologies up from Go tests, so that you can
// test your own networked software, or topo itself, against real containers
// on real networks.
//
//	func TestRing(t *testing.T) {
//		topo := topotest.Up(t, "topologies/ring.yaml") // fails the test on error; down in t.Cleanup
//		r := topo.Send(t, "node1", "node4", "hello")
//		if !r.Delivered { t.Fatalf("not delivered: %s", r.Reason) }
//	}
//
// Every topology gets a name unique to its test, so tests may call
// t.Parallel. When a test fails, the topology's logs are written to the
// test output before it is taken down.
//
// It needs a Docker engine, or the swarm it manages when TOPO_ENGINE is
// swarm. Everything it creates is labelled with the test process
// (engine.LabelTestRun): the first Up of a process removes what a killed
// run of the same test binary left behind (RemoveLeftovers), and `topo ls`
// marks it. Calls that wait end with the test (t.Context).
//
// testcontainers-go, used for probe containers, needs
// TESTCONTAINERS_RYUK_DISABLED=true where its reaper image is not on the
// engine and cannot be pulled; the first Probe sets that, and
// TESTCONTAINERS_HOST_OVERRIDE=localhost, when they are unset.
package topotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	topo "github.com/topo-dev/topo"
	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// Topology is a live topology owned by one test.
type Topology struct {
	// Name is the topology's name: its containers are Name-<node>.
	Name string
	// Plan is what was built: nodes, segments, subnets, addresses, routes.
	Plan *topology.Plan

	o             *orchestrator.Orchestrator
	opts          options
	faultsCleanup bool               // the cleanup that lifts faults is registered
	schedule      chan error         // the file's fault schedule's outcome, when it has one
	stopSchedule  func()             // ends the schedule that runs
	spec          *topology.Topology // the file as loaded, for Expect
}

type options struct {
	name     string
	timeout  time.Duration
	protocol string
	interval *time.Duration
	routing  topology.Routing
}

// Option adjusts Up.
type Option func(*options)

// WithName runs the topology under this exact name instead of a unique one.
// Two tests that run at once must not share a name.
func WithName(name string) Option { return func(o *options) { o.name = name } }

// WithTimeout bounds Up (default 3 minutes) and the teardown.
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// WithProtocol overrides the file's traffic protocol: "tcp" or "udp".
func WithProtocol(p string) Option { return func(o *options) { o.protocol = p } }

// WithInterval overrides the file's background traffic interval; 0 turns
// background traffic off.
func WithInterval(d time.Duration) Option { return func(o *options) { o.interval = &d } }

// WithRouting overrides the file's IP routing: topology.RoutingIP, or
// topology.RoutingNone, where only nodes that share a segment reach each
// other.
func WithRouting(r topology.Routing) Option { return func(o *options) { o.routing = r } }

// Up brings the topology in file up and returns it once every node is
// ready. It fails the test on error. The topology is taken down when the
// test ends; that cleanup is registered before anything can fail, so a
// half-built topology is removed too.
func Up(t testing.TB, file string, opts ...Option) *Topology {
	t.Helper()
	cfg := options{timeout: 3 * time.Minute}
	for _, o := range opts {
		o(&cfg)
	}
	top := &Topology{Name: cfg.name, opts: cfg}
	if top.Name == "" {
		top.Name = uniqueName(t, file)
	}
	t.Cleanup(top.down(t))

	ctx, cancel := context.WithTimeout(t.Context(), cfg.timeout)
	defer cancel()
	o := open(ctx, t)
	top.o = o

	spec := top.load(t, file)
	res, err := o.Up(ctx, spec, orchestrator.UpOptions{Name: top.Name, Timeout: cfg.timeout})
	if err != nil {
		t.Fatalf("topotest: %v", err)
	}
	top.Plan = res.Plan
	if top.Plan == nil { // already running: read back the plan it runs with
		if top.Plan, err = o.AppliedPlan(ctx, top.Name); err != nil {
			t.Fatalf("topotest: %v", err)
		}
	}
	top.spec = spec
	// A file that expects something runs its faults when Expect runs its
	// probes, on one clock.
	if len(spec.Faults) > 0 && len(spec.Expect) == 0 {
		top.startSchedule(t, spec)
	}
	return top
}

// load reads a topology file, with the options of Up in place of what it
// says.
func (top *Topology) load(t testing.TB, file string) *topology.Topology {
	t.Helper()
	spec, err := topology.Load(file)
	if err != nil {
		t.Fatalf("topotest: %v", err)
	}
	if top.opts.protocol != "" {
		spec.Traffic.Protocol = top.opts.protocol
	}
	if top.opts.routing != "" {
		spec.Network.Routing = top.opts.routing
	}
	if top.opts.interval != nil {
		spec.Traffic.Interval = *top.opts.interval
	}
	return spec
}

// open connects to the engine TOPO_ENGINE names (docker by default), with
// this test process's labels, and at the first call of the process removes
// what killed runs of the test binary left.
func open(ctx context.Context, t testing.TB) *orchestrator.Orchestrator {
	t.Helper()
	o, closeFn, err := topo.Open(ctx, topo.Options{Engine: os.Getenv(topo.EngineEnv), Labels: runLabels()})
	if errors.Is(err, topo.ErrUnknownEngine) {
		t.Fatalf("topotest: $%s: %v", topo.EngineEnv, err)
	}
	if err != nil {
		t.Fatalf("topotest: %v", err)
	}
	t.Cleanup(closeFn)
	reap(ctx, t, o)
	return o
}

// down returns the cleanup that dumps logs of a failed test and removes
// the topology.
func (top *Topology) down(t testing.TB) func() {
	return func() {
		if top.o == nil {
			return
		}
		if t.Failed() {
			top.dumpLogs(t)
		}
		// t.Context is done by now: cleanups run after it ends.
		ctx, cancel := context.WithTimeout(context.Background(), top.opts.timeout)
		defer cancel()
		if _, err := top.o.Down(ctx, top.Name, orchestrator.DownOptions{}); err != nil {
			t.Errorf("topotest: %v", err)
		}
	}
}

func (top *Topology) dumpLogs(t testing.TB) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var b strings.Builder
	_ = top.o.Logs(ctx, top.Name, orchestrator.LogsOptions{Tail: 40}, func(l orchestrator.LogLine) error {
		fmt.Fprintf(&b, "%-8s| %s\n", l.Node, orchestrator.FormatLogText(l.Text))
		return nil
	})
	t.Logf("topotest: logs of %s (last 40 lines per node):\n%s", top.Name, b.String())
}

// Orchestrator gives access to everything topo can do with the topology.
func (top *Topology) Orchestrator() *orchestrator.Orchestrator { return top.o }

// Send sends text from one node to another and waits up to 10 seconds for
// the receipt. An undelivered message is not a test failure: check
// Receipt.Delivered. Sending to "*" broadcasts.
func (top *Topology) Send(t testing.TB, from, to, text string) *agent.Receipt {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	r, err := top.o.Send(ctx, top.Name, orchestrator.SendOptions{From: from, To: to, Text: text, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("topotest: %v", err)
	}
	return r
}

// Status returns the same data as `topo status -o json`.
func (top *Topology) Status(t testing.TB) *orchestrator.Status {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	st, err := top.o.Status(ctx, top.Name, orchestrator.StatusOptions{})
	if err != nil {
		t.Fatalf("topotest: %v", err)
	}
	return st
}

// Exec runs a command in a node's container and returns its exit code and
// combined output.
func (top *Topology) Exec(t testing.TB, node string, cmd ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	var out strings.Builder
	code, err := top.o.Exec(ctx, top.Name, orchestrator.ExecOptions{Node: node, Cmd: cmd, Stdout: &out, Stderr: &out})
	if err != nil {
		t.Fatalf("topotest: %v", err)
	}
	return code, out.String()
}

// Container is the Docker container name of a node.
func (top *Topology) Container(node string) string {
	return engine.ContainerName(top.Name, node)
}

// Network is the Docker network name of a segment.
func (top *Topology) Network(segment string) string {
	return engine.NetworkName(top.Name, segment)
}

var unsafeName = regexp.MustCompile(`[^a-z0-9]+`)

// uniqueName makes a topology name from the file and the test: the file's
// base, a hash of the test's name and a random suffix, at most 40 chars.
func uniqueName(t testing.TB, file string) string {
	base := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	base = strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(base), "-"), "-")
	if len(base) > 20 {
		base = base[:20]
	}
	if base == "" {
		base = "topo"
	}
	h := fnv.New32a()
	h.Write([]byte(t.Name()))
	r := make([]byte, 2)
	_, _ = rand.Read(r)
	return fmt.Sprintf("%s-%06x%s", base, h.Sum32()&0xffffff, hex.EncodeToString(r))
}

// SetTestcontainersDefaults sets the environment testcontainers-go needs
// on a machine without registry access, where each variable is unset: it
// turns testcontainers' reaper off for the whole process. topo's own tests
// call it; Probe does less (see probeEnv).
func SetTestcontainersDefaults() {
	for k, v := range map[string]string{
		"TESTCONTAINERS_RYUK_DISABLED": "true",
		"TESTCONTAINERS_HOST_OVERRIDE": "localhost",
	} {
		if os.Getenv(k) == "" {
			os.Setenv(k, v)
		}
	}
}
