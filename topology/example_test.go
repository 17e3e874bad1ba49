package topology_test

import (
	"fmt"

	"github.com/topo-dev/topo/topology"
)

func ExampleBuildPlan() {
	t, err := topology.Parse("demo.yaml", []byte(`
layout: client-server
nodes: [db, app1, app2]
link:
  delay: 5ms
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := topology.BuildPlan(t, topology.PlanOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(p)
	// Output:
	// topology demo: client-server, 3 nodes, 1 segment
	// file: demo.yaml
	// pool: 10.210.0.0/16
	// routing: ip (every address reached along the layout's paths)
	// traffic: tcp every 2s, 64 bytes
	// segments:
	//   lan 10.210.0.0/29 gateway 10.210.0.1 (unicast lan)
	//     members: db 10.210.0.2, app1 10.210.0.3, app2 10.210.0.4
	//     impairment: delay 5ms
	// nodes:
	//   db (server)
	//     addresses: lan 10.210.0.2
	//     neighbors:
	//       app1 10.210.0.3 on lan (accepts)
	//       app2 10.210.0.4 on lan (accepts)
	//     routes: app1 via app1, app2 via app2
	//   app1 (client)
	//     addresses: lan 10.210.0.3
	//     neighbors:
	//       db 10.210.0.2 on lan (dials)
	//     routes: db via db, app2 via db
	//     ip routes: 10.210.0.4/32 via 10.210.0.2 (db)
	//   app2 (client)
	//     addresses: lan 10.210.0.4
	//     neighbors:
	//       db 10.210.0.2 on lan (dials)
	//     routes: db via db, app1 via db
	//     ip routes: 10.210.0.3/32 via 10.210.0.2 (db)
}

func ExampleParse_errors() {
	_, err := topology.Parse("bad.yaml", []byte(`
layout: star
nodes: [hub, a, a]
traffic:
  protocl: udp
`))
	fmt.Println(err)
	// Output:
	// bad.yaml:3:17: duplicate node name "a" (first at line 3)
	// bad.yaml:5:3: traffic: unknown field "protocl": did you mean "protocol"?
}
