package netns

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/topo-dev/topo/agent"
)

func shapeRule(local string, rate uint64) agent.ShapeRule {
	return agent.ShapeRule{Local: local, Rate: rate}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

func TestParseShapes(t *testing.T) {
	shapes, rest, err := ParseShapes([]string{"10.0.0.1,02:00:00:00:00:01,100", "shape:10.0.0.1,1000000", "shape:10.0.0.2,0"})
	if err != nil || len(rest) != 1 || rest[0] != "10.0.0.1,02:00:00:00:00:01,100" || len(shapes) != 2 ||
		shapes[0].Local != mustAddr("10.0.0.1") || shapes[0].Rate != 1e6 || shapes[1].Rate != 0 {
		t.Errorf("ParseShapes: %+v, %q, %v", shapes, rest, err)
	}
	if got := shapeRule("10.0.0.1", 8000).String(); got != "shape:10.0.0.1,8000" {
		t.Errorf("String() = %q", got)
	}
	for _, c := range []struct{ in, want string }{
		{"shape:10.0.0.1", "want shape:LOCAL,RATE"},
		{"shape:10.0.0.1,fast", `rate "fast"`},
		{"shape:eth0,8000", "not an IPv4 address"},
	} {
		if _, _, err := ParseShapes([]string{c.in}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseShapes(%q): %v, want %q", c.in, err, c.want)
		}
	}
	if _, _, err := ParseShapes([]string{"shape:10.0.0.1,8000", "shape:10.0.0.1,9000"}); err == nil || !strings.Contains(err.Error(), "another rule") {
		t.Errorf("two rates for one address: %v", err)
	}
}

// TestTbf: a token bucket always holds a full frame, and its queue a
// quarter second's worth over the burst.
func TestTbf(t *testing.T) {
	for _, c := range []struct {
		rate         uint64
		bps          uint64
		burst, limit uint32
	}{
		{8000, 1000, 3028, 3278},
		{1e6, 125000, 3028, 34278},
		{1e9, 125e6, 2.5e6, 2.5e6 + 31.25e6},
	} {
		if bps, burst, limit := tbf(c.rate); bps != c.bps || burst != c.burst || limit != c.limit {
			t.Errorf("tbf(%d) = %d, %d, %d; want %d, %d, %d", c.rate, bps, burst, limit, c.bps, c.burst, c.limit)
		}
	}
}
