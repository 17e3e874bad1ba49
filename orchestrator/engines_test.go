package orchestrator_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/wiring"
	"github.com/topo-dev/topo/orchestrator"
)

// swarmLike is the fake runtime as an engine that picks addresses and
// runs no helpers, as a swarm.
type swarmLike struct{ *fakeRuntime }

func (swarmLike) Capabilities() engine.Capabilities {
	return engine.Capabilities{Engine: "swarm", EngineAddrs: 1}
}

func swarmOrchestrator() (*fakeRuntime, *orchestrator.Orchestrator) {
	f := newFake()
	return f, orchestrator.New(swarmLike{f}, orchestrator.WithNodeImage(func(context.Context) (string, error) { return "topo-node:fake", nil }))
}

// On such an engine every node is attached by alias, never at an address,
// its config names its peers, a shared segment has no broadcast address,
// placement reaches the spec, no helper runs, and the default routing is
// left off with a notice.
func TestUpOnAnEngineThatPicksAddresses(t *testing.T) {
	for _, file := range []string{"../topology/testdata/valid-placement.yaml", "../topologies/bus.yaml"} {
		t.Run(filepath.Base(file), func(t *testing.T) {
			f, o := swarmOrchestrator()
			top := load(t, file)
			name := "swl-" + strings.TrimSuffix(filepath.Base(file), ".yaml")
			res, err := o.Up(context.Background(), top, orchestrator.UpOptions{Name: name})
			if err != nil {
				t.Fatal(err)
			}
			if len(f.helpers) > 0 || len(res.Notices) != 2 || !strings.HasPrefix(res.Notices[0], "routing: none") {
				t.Errorf("helpers %v, notices %q", f.helpers, res.Notices)
			}
			for _, s := range res.Plan.Segments { // read back: the addresses the engine gave
				for _, m := range s.Members {
					pn, _ := res.Plan.Node(m)
					if a := pn.Addresses[s.Name]; !s.Subnet.Contains(a) {
						t.Errorf("up reports %s at %v on %s (%s)", m, a, s.Name, s.Subnet)
					}
				}
			}
			for _, n := range top.Nodes {
				spec := f.specs[engine.ContainerName(name, n.Name)]
				if !slices.Equal(spec.Placement, n.Placement) {
					t.Errorf("node %s: placement %v, want %v", n.Name, spec.Placement, n.Placement)
				}
				checkNamedConfig(t, name, spec)
			}
		})
	}
}

func checkNamedConfig(t *testing.T, topo string, spec engine.ContainerSpec) {
	t.Helper()
	node := spec.Labels[engine.LabelNode]
	for _, at := range spec.Network {
		seg := strings.TrimPrefix(at.Network, topo+"-")
		if at.IP.IsValid() || !slices.Equal(at.Aliases, []string{wiring.Alias(topo, seg, node)}) {
			t.Errorf("node %s on %s: %+v, want no address and its alias", node, at.Network, at)
		}
	}
	var cfg *agent.Config
	for _, kv := range spec.Env {
		if v, ok := strings.CutPrefix(kv, agent.ConfigEnv+"="); ok {
			var err error
			if cfg, err = agent.ParseConfig([]byte(v)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if cfg == nil || len(spec.ExtraHosts) > 0 || len(spec.Sysctls) > 0 {
		t.Fatalf("node %s: config %v, hosts %v, sysctls %v", node, cfg, spec.ExtraHosts, spec.Sysctls)
	}
	for _, s := range cfg.Segments {
		if s.Addr != wiring.Alias(topo, s.Name, node) || s.Broadcast != "" {
			t.Errorf("node %s: segment %+v, want its alias and no broadcast", node, s)
		}
		for _, m := range s.Members {
			if m.Addr != wiring.Alias(topo, s.Name, m.Name) {
				t.Errorf("node %s: member %+v, want its alias", node, m)
			}
		}
	}
	for _, nb := range cfg.Neighbors {
		if nb.Addr != wiring.Alias(topo, nb.Segment, nb.Name) {
			t.Errorf("node %s: neighbour %+v, want its alias", node, nb)
		}
	}
}

// What the file asks for and the engine cannot do fails, with nothing
// created, and says so; so do the fault verbs.
func TestEngineRefusesWhatItCannotDo(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, file := range []string{
		write("routed.yaml", "layout: ring\nnodes: 3\nnetwork: {routing: ip}\n"),
		"../topology/testdata/valid-faults.yaml",
	} {
		f, o := swarmOrchestrator()
		_, err := o.Up(context.Background(), load(t, file), orchestrator.UpOptions{Name: "swl-refused"})
		if !errors.Is(err, engine.ErrUnsupported) || !strings.Contains(err.Error(), "--engine docker") {
			t.Errorf("%s: %v, want ErrUnsupported saying what to do", file, err)
		}
		if len(f.containers)+len(f.networks) > 0 {
			t.Errorf("%s: created %d containers and %d networks", file, len(f.containers), len(f.networks))
		}
	}
	f, o := swarmOrchestrator()
	name := "swl-nofaults"
	if _, err := o.Up(context.Background(), load(t, write("plain.yaml", "layout: ring\nnodes: 3\nnetwork: {routing: none}\n")), orchestrator.UpOptions{Name: name}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Link(context.Background(), name, orchestrator.LinkOptions{A: "node1", B: "node2", Down: true}); !errors.Is(err, engine.ErrUnsupported) {
		t.Errorf("link down: %v, want ErrUnsupported", err)
	}
	if err := o.ClearFaults(context.Background(), name); err != nil {
		t.Errorf("faults clear, with none to lift: %v", err)
	}
	if len(f.helpers) > 0 {
		t.Errorf("helpers run: %v", f.helpers)
	}
}
