package node_test

import (
	"slices"
	"testing"
)

func assertPath(t *testing.T, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("path %v, want %v", got, want)
	}
}

func TestStar(t *testing.T) {
	for _, proto := range []string{"tcp", "udp"} {
		t.Run(proto, func(t *testing.T) {
			c := startSpec(t, starSpec(proto, 4))
			c.waitReady()
			r := c.send("spoke1", "spoke3")
			assertPath(t, r.Path, "spoke1", "hub", "spoke3")
			if r.RTTMs <= 0 || r.OneWayMs <= 0 || r.From != "spoke1" || r.To != "spoke3" {
				t.Errorf("receipt %+v", r)
			}
			assertPath(t, c.send("hub", "spoke2").Path, "hub", "spoke2")
			assertPath(t, c.send("spoke4", "hub").Path, "spoke4", "hub")
			if f := c.agent("hub").Stats().Counters.Forwarded; f != 1 {
				t.Errorf("hub forwarded %d, want 1", f)
			}
		})
	}
}
