package compose_test

import (
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/internal/compose"
	"github.com/topo-dev/topo/topology"
)

// TestExportSealsSegments checks that a topology with routing none
// exports bridges that take no address on the host, and that a routed one
// keeps the host's gateway.
func TestExportSealsSegments(t *testing.T) {
	for file, sealed := range map[string]bool{"testdata/sealed.yaml": true, "testdata/ring.yaml": false} {
		out, _, plan := export(t, file)
		f := decode(t, out)
		for _, seg := range plan.Segments {
			opts := f.Networks[seg.Name].DriverOpts
			if got := opts["com.docker.network.bridge.inhibit_ipv4"] == "true"; got != sealed || len(opts) > 1 {
				t.Errorf("%s: segment %s driver_opts %v, want sealed %v", file, seg.Name, opts, sealed)
			}
		}
	}
}

// TestExportCarriesImpairments: a topology with link impairments exports,
// and every service's node config carries the impairment of each of its
// segments, as in the plan; the agents apply it from there, under compose
// as under topo up.
func TestExportCarriesImpairments(t *testing.T) {
	const ms = agent.Duration(time.Millisecond)
	tests := []struct {
		name string
		src  string
		want map[string]agent.Impairment // by segment, every segment
	}{
		{
			name: "a default delay on one segment",
			src:  "layout: client-server\nnodes: 3\nlink: {delay: 20ms}\n",
			want: map[string]agent.Impairment{"lan": {Delay: 20 * ms}},
		},
		{
			name: "every field, on every segment of a star",
			src:  "layout: star\nnodes: 3\nlink: {delay: 5ms, jitter: 1ms, loss: 1%, rate: 10mbit}\n",
			want: map[string]agent.Impairment{
				"hub-spoke1": {Delay: 5 * ms, Jitter: 1 * ms, Loss: 0.01, Rate: 10_000_000},
				"hub-spoke2": {Delay: 5 * ms, Jitter: 1 * ms, Loss: 0.01, Rate: 10_000_000},
			},
		},
		{
			name: "per link, and none",
			src: `layout: custom
nodes: [a, b, c, d]
links:
  - [a, b]
  - {endpoints: [b, c], loss: 2%}
  - {endpoints: [b, c, d], rate: 1mbit}
`,
			want: map[string]agent.Impairment{"a-b": {}, "b-c": {Loss: 0.02}, "seg1": {Rate: 1_000_000}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, plan := mustPlan(t, "t.yaml", tt.src, topology.PlanOptions{})
			out, err := compose.Export(plan, compose.Options{})
			if err != nil {
				t.Fatalf("Export of a topology with impairments: %v", err)
			}
			checkImpairments(t, plan, decode(t, out), tt.want)
		})
	}
	t.Run("golden", func(t *testing.T) {
		out, _, plan := export(t, "testdata/impaired.yaml")
		checkImpairments(t, plan, decode(t, out), map[string]agent.Impairment{
			"edge1-core": {Delay: 20 * ms},
			"core-edge2": {Delay: 20 * ms, Jitter: 5 * ms, Loss: 0.01},
			"seg1":       {Delay: 2 * ms, Rate: 10_000_000},
		})
	})
}

// checkImpairments reads each service's TOPO_NODE_CONFIG back and checks
// that it holds every segment of the node, with the plan's impairment,
// which is the one wanted.
func checkImpairments(t *testing.T, plan *topology.Plan, f file, want map[string]agent.Impairment) {
	t.Helper()
	if len(want) != len(plan.Segments) {
		t.Fatalf("the test wants %d segments, the plan has %d", len(want), len(plan.Segments))
	}
	for _, seg := range plan.Segments {
		i := seg.Impairment
		inPlan := agent.Impairment{Delay: agent.Duration(i.Delay), Jitter: agent.Duration(i.Jitter), Loss: i.Loss, Rate: i.Rate}
		if w, ok := want[seg.Name]; !ok || inPlan != w {
			t.Fatalf("plan: segment %s has impairment %q, the test wants %q", seg.Name, inPlan, w)
		}
	}
	for _, n := range plan.Nodes {
		s, ok := f.Services[n.Name]
		if !ok {
			t.Errorf("no service %s", n.Name)
			continue
		}
		cfg, err := agent.ParseConfig([]byte(unescape(s.Environment[agent.ConfigEnv])))
		if err != nil {
			t.Errorf("%s: %s does not parse: %v", n.Name, agent.ConfigEnv, err)
			continue
		}
		got := map[string]agent.Impairment{}
		for _, cs := range cfg.Segments {
			got[cs.Name] = cs.Impairment
		}
		if len(got) != len(n.Addresses) {
			t.Errorf("%s: config has segments %v, the node is on %d", n.Name, got, len(n.Addresses))
		}
		for seg := range n.Addresses {
			if imp, ok := got[seg]; !ok {
				t.Errorf("%s: config lacks segment %s", n.Name, seg)
			} else if imp != want[seg] {
				t.Errorf("%s: segment %s has impairment %q in the config, want %q", n.Name, seg, imp, want[seg])
			}
		}
	}
}

// Each routed node gets a one-shot helper service in its network namespace,
// as under topo up: the node image, as root with NET_ADMIN only.
func TestExportRouteHelpers(t *testing.T) {
	out, _, plan := export(t, "testdata/ring.yaml")
	f := decode(t, out)
	for _, n := range plan.Nodes {
		h, ok := f.Services[n.Name+"-routes"]
		if !ok {
			t.Errorf("%s has no route helper", n.Name)
			continue
		}
		if h.NetworkMode != "service:"+n.Name || len(h.Networks) != 0 || h.User != "0:0" ||
			len(h.CapAdd) != 1 || h.CapAdd[0] != "NET_ADMIN" || len(h.CapDrop) != 1 || h.Command[0] != "netns" ||
			len(h.Command) != 2+len(n.IPRoutes) {
			t.Errorf("%s's route helper: %+v", n.Name, h)
		}
		if s := f.Services[n.Name]; s.Sysctls["net.ipv4.ip_forward"] != "1" || len(s.ExtraHosts) != 2*(len(plan.Nodes)-1) {
			t.Errorf("%s: sysctls %v, hosts %v", n.Name, s.Sysctls, s.ExtraHosts)
		}
	}
}
