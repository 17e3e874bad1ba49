package wiring_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/internal/wiring"
	"github.com/topo-dev/topo/topology"
)

const impaired = `layout: custom
nodes: [a, b, c]
link: {delay: 5ms, jitter: 1ms, loss: 0.5%, rate: 10mbit}
links:
  - [a, b]
  - endpoints: [b, c]
    delay: 20ms
`

func TestNodeConfigImpairment(t *testing.T) {
	topo, err := topology.Parse("impaired.yaml", []byte(impaired))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := topology.BuildPlan(topo, topology.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := wiring.NodeConfig(plan, "b", wiring.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Segments) != 2 {
		t.Fatalf("b has segments %+v, want 2", cfg.Segments)
	}
	for _, s := range cfg.Segments {
		ps, _ := plan.Segment(s.Name)
		want := agent.Impairment{Delay: agent.Duration(ps.Impairment.Delay), Jitter: agent.Duration(ps.Impairment.Jitter),
			Loss: ps.Impairment.Loss, Rate: ps.Impairment.Rate}
		if s.Impairment != want || s.Impairment.IsZero() {
			t.Errorf("segment %s: impairment %+v, want %+v from the plan", s.Name, s.Impairment, want)
		}
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"impairment":{"delay":"5ms","jitter":"1ms","loss":0.005,"rate":10000000}`) {
		t.Errorf("config JSON lacks the a-b impairment: %s", b)
	}
	back, err := agent.ParseConfig(b)
	if err != nil {
		t.Fatal(err)
	}
	if back.Segments[1].Impairment.Delay.D() != 20*time.Millisecond {
		t.Errorf("impairment after a round trip through JSON: %+v", back.Segments[1].Impairment)
	}
}

func TestNodeConfigNoImpairment(t *testing.T) {
	topo, err := topology.Parse("star.yaml", []byte("layout: star\nnodes: 3\n"))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := topology.BuildPlan(topo, topology.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := wiring.NodeConfig(plan, "hub", wiring.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(cfg)
	if strings.Contains(string(b), "impairment") {
		t.Errorf("an unimpaired segment's config mentions impairment: %s", b)
	}
}
