package orchestrator_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
)

func fakeOrchestrator(f *fakeRuntime) *orchestrator.Orchestrator {
	return orchestrator.New(f, orchestrator.WithNodeImage(func(context.Context) (string, error) { return "topo-node:fake", nil }))
}

func TestUpStatusDownOnFake(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	res, err := o.Up(ctx, load(t, "../topologies/star.yaml"), orchestrator.UpOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c, n := f.counts(); c != 5 || n != 4 {
		t.Fatalf("after up: %d containers, %d networks; want 5 and 4", c, n)
	}
	if len(res.Timings) != 4 { // image, networks, containers (created, started, routed), ready
		t.Errorf("timings: %+v", res.Timings)
	}
	st, err := o.Status(ctx, "star", orchestrator.StatusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Layout != "star" || len(st.Nodes) != 5 || st.Nodes[0].Name != "hub" || !st.Nodes[0].Ready || st.Nodes[0].Stats.Delivered != 2 {
		t.Errorf("status: %+v", st)
	}
	if got := st.Nodes[0].Addresses["hub-spoke1"]; got != res.Plan.Nodes[0].Addresses["hub-spoke1"].String() {
		t.Errorf("hub on hub-spoke1: %q", got)
	}
	if len(st.Segments) != 4 || st.Segments[0].Name != "hub-spoke1" || strings.Join(st.Segments[0].Members, ",") != "hub,spoke1" {
		t.Errorf("segments: %+v", st.Segments)
	}
	down, err := o.Down(ctx, "star", orchestrator.DownOptions{})
	if err != nil || down.Containers != 5 || down.Networks != 4 {
		t.Fatalf("down: %+v, %v", down, err)
	}
	if c, n := f.counts(); c != 0 || n != 0 {
		t.Errorf("after down: %d containers, %d networks", c, n)
	}
}

func TestUpRollsBack(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name    string
		setup   func(f *fakeRuntime)
		retain  bool
		timeout time.Duration
		want    string
		left    bool
	}{
		{name: "a container fails", setup: func(f *fakeRuntime) {
			f.failCreate = func(s engine.ContainerSpec) error {
				if strings.HasSuffix(s.Name, "spoke3") {
					return boom
				}
				return nil
			}
		}, want: "spoke3"},
		{name: "a network fails", setup: func(f *fakeRuntime) {
			f.failNetwork = func(s engine.NetworkSpec) error {
				if strings.HasSuffix(s.Name, "spoke2") {
					return boom
				}
				return nil
			}
		}, want: "boom"},
		{name: "a node never gets ready", setup: func(f *fakeRuntime) { f.ready = 1 }, want: "is not ready"},
		{name: "retain keeps it", setup: func(f *fakeRuntime) { f.ready = 1 }, retain: true, want: "topo down star", left: true},
		{name: "the rollback fails too", setup: func(f *fakeRuntime) {
			f.ready = 1
			f.failRemove = func(string) error { return boom }
		}, want: "removing what it created failed too (down star: boom, and 8 more): remove the rest with `topo down star`", left: true},
		// A timeout is named as one even when the rollback fails too.
		{name: "it times out, and the rollback fails", setup: func(f *fakeRuntime) {
			f.failCreate = func(s engine.ContainerSpec) error {
				if !strings.HasSuffix(s.Name, "spoke3") {
					return nil
				}
				time.Sleep(400 * time.Millisecond) // an engine slower than the deadline
				return fmt.Errorf("create: %w", context.DeadlineExceeded)
			}
			f.failRemove = func(string) error { return boom }
		}, timeout: 300 * time.Millisecond, want: "up star: timed out after 300ms (raise --timeout?)", left: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			tt.setup(f)
			_, err := fakeOrchestrator(f).Up(context.Background(), load(t, "../topologies/star.yaml"), orchestrator.UpOptions{Retain: tt.retain, Timeout: tt.timeout})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("up = %v, want an error with %q", err, tt.want)
			}
			c, n := f.counts()
			if tt.left != (c+n > 0) {
				t.Errorf("left %d containers and %d networks (retain %v)", c, n, tt.retain)
			}
		})
	}
}

func TestUpPlansAroundUsedSubnets(t *testing.T) {
	f := newFake()
	ctx := context.Background()
	// A network that is not ours sits on the default pool's first block.
	if _, err := f.CreateNetwork(ctx, engine.NetworkSpec{Name: "theirs", Subnet: netip.MustParsePrefix("10.210.0.0/26")}); err != nil {
		t.Fatal(err)
	}
	res, err := fakeOrchestrator(f).Up(ctx, load(t, "../topologies/ring.yaml"), orchestrator.UpOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Plan.Segments {
		if s.Subnet.Overlaps(netip.MustParsePrefix("10.210.0.0/26")) {
			t.Errorf("segment %s got %s, which is taken", s.Name, s.Subnet)
		}
	}
}

func TestUpReplansWhenASubnetIsTakenMeanwhile(t *testing.T) {
	f := newFake()
	var calls atomic.Int32
	f.failNetwork = func(s engine.NetworkSpec) error {
		if calls.Add(1) == 2 { // another topo took it between plan and create
			return engine.ErrOverlap
		}
		return nil
	}
	if _, err := fakeOrchestrator(f).Up(context.Background(), load(t, "../topologies/ring.yaml"), orchestrator.UpOptions{MaxWorkers: 1}); err != nil {
		t.Fatalf("up = %v, want success after planning again", err)
	}
	if c, n := f.counts(); c != 5 || n != 5 {
		t.Errorf("%d containers, %d networks", c, n)
	}
}

func TestUpChosenPoolOverlapIsAnError(t *testing.T) {
	f := newFake()
	ctx := context.Background()
	if _, err := f.CreateNetwork(ctx, engine.NetworkSpec{Name: "theirs", Subnet: netip.MustParsePrefix("10.99.0.0/24")}); err != nil {
		t.Fatal(err)
	}
	_, err := fakeOrchestrator(f).Up(ctx, parse(t, "layout: bus\nnodes: 3\nnetwork: {pool: 10.99.0.0/24}\n"), orchestrator.UpOptions{})
	if err == nil || !strings.Contains(err.Error(), "pool") {
		t.Fatalf("up = %v, want an error about the pool", err)
	}
	if c, n := f.counts(); c != 0 || n != 1 {
		t.Errorf("left %d containers, %d networks", c, n-1)
	}
}

func TestUpAgain(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	star := load(t, "../topologies/star.yaml")
	if _, err := o.Up(ctx, star, orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	res, err := o.Up(ctx, star, orchestrator.UpOptions{})
	if err != nil || !res.AlreadyRunning {
		t.Errorf("same file again: %+v, %v", res, err)
	}
	other := parse(t, "name: star\nlayout: ring\nnodes: 3\n")
	if _, err := o.Up(ctx, other, orchestrator.UpOptions{}); !errors.Is(err, orchestrator.ErrAlreadyRunning) || !strings.Contains(err.Error(), "topo down star") {
		t.Errorf("another file under the same name: %v", err)
	}
	if c, n := f.counts(); c != 5 || n != 4 {
		t.Errorf("refused ups changed things: %d containers, %d networks", c, n)
	}
}

func TestResolve(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	if _, err := o.Resolve(ctx, ""); !errors.Is(err, orchestrator.ErrNoTopology) || !strings.Contains(err.Error(), "topo up") {
		t.Errorf("nothing running: %v", err)
	}
	star := load(t, "../topologies/star.yaml")
	if _, err := o.Up(ctx, star, orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"", "star", "../topologies/star.yaml"} {
		if name, err := o.Resolve(ctx, ref); err != nil || name != "star" {
			t.Errorf("Resolve(%q) = %q, %v; want star", ref, name, err)
		}
	}
	if _, err := o.Up(ctx, star, orchestrator.UpOptions{Name: "star2"}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Resolve(ctx, ""); !errors.Is(err, orchestrator.ErrAmbiguous) || !strings.Contains(err.Error(), "star, star2") {
		t.Errorf("two running: %v", err)
	}
	if _, err := o.Resolve(ctx, "../topologies/star.yaml"); !errors.Is(err, orchestrator.ErrAmbiguous) {
		t.Errorf("two from one file: %v", err)
	}
	if _, err := o.Resolve(ctx, "nope"); !errors.Is(err, orchestrator.ErrNoTopology) || !strings.Contains(err.Error(), "star, star2") {
		t.Errorf("unknown name: %v", err)
	}
	// A file nothing was started from, whose declared name is running.
	elsewhere := parse(t, "name: star2\nlayout: star\nnodes: 5\n")
	if name, err := o.Resolve(ctx, elsewhere.File); err != nil || name != "star2" {
		t.Errorf("Resolve(file declaring star2) = %q, %v", name, err)
	}
}

// TestContainerSpecs checks what each node's container is given: least
// privilege and the config for the agent; its own command and env for a
// user's image, with the same config.
func TestContainerSpecs(t *testing.T) {
	f := newFake()
	top := parse(t, `name: spec
layout: star
nodes:
  - hub
  - {name: s1, env: {TZ: UTC}}
  - {name: s2, image: "mine:1", command: [/app, -v], env: {MODE: x}}
`)
	if _, err := fakeOrchestrator(f).Up(context.Background(), top, orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	hub, s1, s2 := f.specs["spec-hub"], f.specs["spec-s1"], f.specs["spec-s2"]
	if hub.User != "65534:65534" || !hub.ReadOnlyRoot || !hub.NoNewPrivileges || len(hub.CapDrop) != 1 || hub.CapDrop[0] != "ALL" ||
		!strings.Contains(hub.Tmpfs[agent.RunDir], "uid=65534") || hub.MemoryBytes == 0 || hub.PidsLimit == 0 || hub.Image != "topo-node:fake" || hub.Cmd != nil || len(hub.CapAdd) != 0 {
		t.Errorf("agent node without least privilege: %+v", hub)
	}
	if len(hub.Network) != 2 || hub.Network[0].Network != "spec-hub-s1" {
		t.Errorf("hub networks: %+v", hub.Network)
	}
	if hub.Labels[engine.LabelTopology] != "spec" || hub.Labels[engine.LabelNode] != "hub" || hub.Labels[engine.LabelAgent] != "true" {
		t.Errorf("hub labels: %v", hub.Labels)
	}
	if len(s1.Env) != 2 || s1.Env[0] != "TZ=UTC" || !strings.HasPrefix(s1.Env[1], "TOPO_NODE_CONFIG={") {
		t.Errorf("s1 env: %q", s1.Env)
	}
	if s2.User != "" || s2.ReadOnlyRoot || !strings.Contains(s2.Tmpfs[agent.RunDir], "mode=1777") || s2.Image != "mine:1" || strings.Join(s2.Cmd, " ") != "/app -v" || s2.Labels[engine.LabelAgent] != "false" ||
		len(s2.Env) != 2 || s2.Env[0] != "MODE=x" || !strings.Contains(s2.Env[1], `"name":"s2"`) {
		t.Errorf("user image node: %+v", s2)
	}
}

// TestConcurrentUpsOfOneName starts the same topology twice at once: one
// up builds it, the other finds it and must not remove it.
func TestConcurrentUpsOfOneName(t *testing.T) {
	for range 5 {
		f := newFake()
		o := fakeOrchestrator(f)
		star := load(t, "../topologies/star.yaml")
		errs := make(chan error, 2)
		for range 2 {
			go func() {
				_, err := o.Up(context.Background(), star, orchestrator.UpOptions{})
				errs <- err
			}()
		}
		var failed int
		for range 2 {
			if err := <-errs; err != nil {
				failed++
				if !errors.Is(err, orchestrator.ErrAlreadyRunning) && !strings.Contains(err.Error(), "partly up") && !strings.Contains(err.Error(), "without nodes") {
					t.Errorf("the second up: %v", err)
				}
			}
		}
		if c, n := f.counts(); c != 5 || n != 4 {
			t.Fatalf("after two concurrent ups: %d containers, %d networks; want the one topology intact (5, 4)", c, n)
		}
		if failed > 1 {
			t.Errorf("both ups failed")
		}
	}
}

// TestDownIsBestEffort: a container that cannot be removed does not stop
// the others, and the error says which.
func TestDownIsBestEffort(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	if _, err := o.Up(ctx, load(t, "../topologies/star.yaml"), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	stuck := ""
	f.failRemove = func(id string) error {
		if stuck == "" {
			stuck = id
		}
		if id == stuck {
			return errors.New("device busy")
		}
		return nil
	}
	res, err := o.Down(ctx, "star", orchestrator.DownOptions{MaxWorkers: 1})
	if err == nil || !strings.Contains(err.Error(), "device busy") {
		t.Fatalf("down = %v, want the removal error", err)
	}
	if c, _ := f.counts(); c != 1 || res.Containers != 4 {
		t.Errorf("%d containers left, %d reported removed; want 1 and 4", c, res.Containers)
	}
}

// TestNamesCollideAcrossTopologies: topology "a" with node "b-c" and
// topology "a-b" with node "c" would both be container "a-b-c".
func TestNamesCollideAcrossTopologies(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	if _, err := o.Up(ctx, parse(t, "name: a\nlayout: star\nnodes: [hub, b-c]\n"), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := o.Up(ctx, parse(t, "name: a-b\nlayout: star\nnodes: [hub, c]\n"), orchestrator.UpOptions{})
	if err == nil || !strings.Contains(err.Error(), `taken by node "b-c" of topology "a"`) {
		t.Fatalf("up = %v, want the clash explained", err)
	}
	if c, _ := f.counts(); c != 2 {
		t.Errorf("%d containers, want only the first topology's 2", c)
	}
}

// A failed up removes what it created and nothing else: not a container
// another up of the same name made meanwhile.
func TestRollbackRemovesOnlyWhatItCreated(t *testing.T) {
	f := newFake()
	f.failCreate = func(s engine.ContainerSpec) error {
		if !strings.HasSuffix(s.Name, "spoke3") {
			return nil
		}
		f.mu.Lock()
		f.containers["other"] = &engine.ContainerInfo{ID: "other", Name: "star-other", State: "running",
			Labels: map[string]string{engine.LabelTopology: "star", engine.LabelNode: "other"}}
		f.mu.Unlock()
		return errors.New("boom")
	}
	_, err := fakeOrchestrator(f).Up(context.Background(), load(t, "../topologies/star.yaml"), orchestrator.UpOptions{})
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("up = %v, want boom", err)
	}
	if c, n := f.counts(); c != 1 || n != 0 {
		t.Errorf("left %d containers and %d networks, want only the other up's container", c, n)
	}
}

// TestUpTimeout: two minutes up to 30 nodes, four seconds a node above.
func TestUpTimeout(t *testing.T) {
	for n, want := range map[int]time.Duration{1: 2 * time.Minute, 30: 2 * time.Minute, 100: 400 * time.Second, 250: 1000 * time.Second} {
		if got := orchestrator.UpTimeout(n); got != want {
			t.Errorf("UpTimeout(%d) = %v, want %v", n, got, want)
		}
	}
}

// A subnet the engine refuses though no network lists it (one being
// removed holds its pool a moment longer) is planned around, not tried
// again on every attempt.
func TestUpPlansAroundASubnetTheEngineRefuses(t *testing.T) {
	f := newFake()
	var refused netip.Prefix
	var mu sync.Mutex
	f.failNetwork = func(s engine.NetworkSpec) error {
		mu.Lock()
		defer mu.Unlock()
		if !refused.IsValid() {
			refused = s.Subnet
		}
		if s.Subnet.Overlaps(refused) {
			return fmt.Errorf("create network %s: %w", s.Name, engine.ErrOverlap)
		}
		return nil
	}
	res, err := fakeOrchestrator(f).Up(context.Background(), load(t, "../topologies/ring.yaml"), orchestrator.UpOptions{MaxWorkers: 1})
	if err != nil {
		t.Fatalf("up = %v, want success after planning around %s", err, refused)
	}
	for _, s := range res.Plan.Segments {
		if s.Subnet.Overlaps(refused) {
			t.Errorf("segment %s got %s, which the engine refused", s.Name, s.Subnet)
		}
	}
}
