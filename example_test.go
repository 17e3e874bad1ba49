package topo_test

import (
	"context"
	"fmt"
	"io/fs"
	"log"
	"testing"

	"github.com/topo-dev/topo"
	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// Open an orchestrator on the local Docker engine, plan a topology against
// it, apply that plan, and take it down again.
func Example() {
	ctx := context.Background()
	o, closeEngine, err := topo.Open(ctx, topo.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer closeEngine()

	t, err := topology.Load("topologies/ring.yaml")
	if err != nil {
		log.Fatal(err)
	}
	d, err := o.Plan(ctx, t, orchestrator.PlanOptions{Name: "example-ring"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(d) // what Apply creates: networks, subnets, addresses, routes
	if _, err := o.Apply(ctx, d, orchestrator.ApplyOptions{}); err != nil {
		log.Fatal(err)
	}
	r, err := o.Send(ctx, "example-ring", orchestrator.SendOptions{From: "node1", To: "node3", Text: "hello"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Path)
	if _, err := o.Down(ctx, "example-ring", orchestrator.DownOptions{}); err != nil {
		log.Fatal(err)
	}
}

// TestIntegrationOpen runs what Example shows, up to the plan: Open
// reaches the engine and plans against its networks without creating any.
func TestIntegrationOpen(t *testing.T) {
	livetest.Require(t)
	ctx := context.Background()
	o, closeEngine, err := topo.Open(ctx, topo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer closeEngine()
	top, err := topology.Load("topologies/ring.yaml")
	if err != nil {
		t.Fatal(err)
	}
	name := livetest.Name(t, "open")
	d, err := o.Plan(ctx, top, orchestrator.PlanOptions{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if d.Plan.Name != name || len(d.Plan.Nodes) != 5 || d.Hash != top.Hash() {
		t.Errorf("deployment: %+v", d)
	}
	if left := livetest.Leftovers(t, o, name); len(left) != 0 {
		t.Errorf("planning created %v", left)
	}
	if _, err := fs.Stat(topo.AgentSource(), "node/cmd/topo-node/main.go"); err != nil {
		t.Errorf("the agent's source is not embedded: %v", err)
	}
}
