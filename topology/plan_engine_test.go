package topology

import "testing"

// An engine that takes addresses of its own on each segment (a swarm's
// load balancer, one per host) gets subnets large enough for them too.
func TestPlanEngineAddrs(t *testing.T) {
	for _, tc := range []struct {
		src         string
		engineAddrs int
		bits        int
	}{
		{"layout: bus\nnodes: 5\n", 0, 29}, // 5 members, gateway, network, broadcast
		{"layout: bus\nnodes: 5\n", 1, 28}, // and 5 more for up to 5 hosts
		{"layout: ring\nnodes: 3\n", 1, 29},
		{"layout: bus\nnodes: 60\n", 1, 25},
	} {
		top, err := Parse("t.yaml", []byte(tc.src))
		if err != nil {
			t.Fatal(err)
		}
		p, err := BuildPlan(top, PlanOptions{EngineAddrs: tc.engineAddrs})
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Segments[0].Subnet.Bits(); got != tc.bits {
			t.Errorf("%q with %d engine addresses per member: /%d, want /%d", tc.src, tc.engineAddrs, got, tc.bits)
		}
	}
}
