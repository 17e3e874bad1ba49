package compose_test

import (
	"fmt"
	"strings"

	"github.com/topo-dev/topo/compose"
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
	// - subnet: "10.210.0.0/29"
}

func ExampleExport_refused() {
	top, err := topology.Parse("slow.yaml", []byte("layout: client-server\nnodes: 3\nlink: {delay: 20ms}\n"))
	if err != nil {
		panic(err)
	}
	plan, err := topology.BuildPlan(top, topology.PlanOptions{})
	if err != nil {
		panic(err)
	}
	_, err = compose.Export(plan, compose.Options{})
	fmt.Println(err)
	// Output:
	// compose export: link impairment (delay) on segment lan cannot be expressed in a compose file
}
