package topology

import (
	"net/netip"
	"testing"
)

// A changed file planned with the running subnets kept leaves every
// segment that stays where it runs, and puts a new one on a free block,
// never on one a segment that goes still holds.
func TestPlanKeep(t *testing.T) {
	keep := map[string]netip.Prefix{
		"hub-spoke1": netip.MustParsePrefix("10.210.0.16/29"), // moved up by an earlier plan
		"hub-spoke2": netip.MustParsePrefix("10.210.0.0/29"),
		"hub-spoke3": netip.MustParsePrefix("10.210.0.8/29"),
		"gone":       netip.MustParsePrefix("10.210.0.24/29"),
		"bus":        netip.MustParsePrefix("10.210.0.32/29"),
	}
	for _, tc := range []struct {
		name, src string
		want      map[string]string
	}{
		{"a spoke added", "layout: star\nnodes: 5\n", map[string]string{
			"hub-spoke1": "10.210.0.16/29", "hub-spoke2": "10.210.0.0/29", "hub-spoke3": "10.210.0.8/29",
			"hub-spoke4": "10.210.0.40/29", // past every kept subnet, "gone"'s too
		}},
		{"a segment outgrew its subnet", "name: bus\nlayout: bus\nnodes: 9\n", map[string]string{
			"bus": "10.210.0.48/28", // a /29 holds 5 members; the /28 goes where nothing is kept
		}},
		{"a pool that no longer holds it", "layout: star\nnodes: 4\nnetwork: {pool: 10.99.0.0/24}\n", map[string]string{
			"hub-spoke1": "10.99.0.0/29", "hub-spoke2": "10.99.0.8/29", "hub-spoke3": "10.99.0.16/29",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			top, err := Parse("t.yaml", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			p, err := BuildPlan(top, PlanOptions{Keep: keep})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Segments) != len(tc.want) {
				t.Fatalf("%d segments, want %d", len(p.Segments), len(tc.want))
			}
			for _, s := range p.Segments {
				if got := s.Subnet.String(); got != tc.want[s.Name] {
					t.Errorf("segment %s on %s, want %s", s.Name, got, tc.want[s.Name])
				}
			}
		})
	}
}
