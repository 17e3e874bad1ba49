package compose_test

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/internal/compose"
	"github.com/topo-dev/topo/topology"
)

func ExampleExport() {
	top, err := topology.Parse("lan.yaml", []byte("layout: client-server\nnodes: 3\n"))
	if err != nil {
		panic(err)
	}
	plan, err := topology.BuildPlan(top, topology.PlanOptions{})
	if err != nil {
		panic(err)
	}
	out, err := compose.Export(plan, compose.Options{PlanHash: top.Hash()})
	if err != nil {
		panic(err)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "container_name:") || strings.Contains(l, "ipv4_address:") || strings.Contains(l, "subnet:") {
			fmt.Println(strings.TrimSpace(l))
		}
	}
	// Output:
	// container_name: lan-server
	// ipv4_address: "10.210.0.2"
	// container_name: lan-client1
	// ipv4_address: "10.210.0.3"
	// container_name: lan-client2
	// ipv4_address: "10.210.0.4"
	// container_name: lan-server-routes
	// container_name: lan-client1-routes
	// container_name: lan-client2-routes
	// - subnet: "10.210.0.0/29"
}

// Link impairments are no concern of compose's: each service's node config
// carries the impairment of its segments, and topo's agent applies it.
func ExampleExport_impairments() {
	top, err := topology.Parse("slow.yaml", []byte("layout: client-server\nnodes: 3\nlink: {delay: 20ms, loss: 1%}\n"))
	if err != nil {
		panic(err)
	}
	plan, err := topology.BuildPlan(top, topology.PlanOptions{})
	if err != nil {
		panic(err)
	}
	out, err := compose.Export(plan, compose.Options{})
	if err != nil {
		panic(err)
	}
	var f struct {
		Services map[string]struct{ Environment map[string]string }
	}
	if err := yaml.Unmarshal(out, &f); err != nil {
		panic(err)
	}
	cfg, err := agent.ParseConfig([]byte(f.Services["client1"].Environment[agent.ConfigEnv]))
	if err != nil {
		panic(err)
	}
	for _, s := range cfg.Segments {
		fmt.Printf("%s on %s: %s\n", cfg.Name, s.Name, s.Impairment)
	}
	// Output:
	// client1 on lan: delay=20ms loss=1%
}
