package agent_test

import (
	"testing"

	"github.com/topo-dev/topo/agent"
)

// The event once, then its facts; a reason the message gives is not given
// again.
func TestTextSaysTheEventOnce(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{`{"event":"send","msg":"send to spoke2","peer":"spoke2"}`, "send to spoke2 peer=spoke2"},
		{`{"event":"deliver","msg":"delivered from spoke1","text":"hi"}`, "delivered from spoke1 text=hi"},
		{`{"event":"drop","msg":"dropped: no_route","reason":"no_route"}`, "dropped: no_route"},
		{`{"event":"ring_rtt","msg":"round of 3 nodes"}`, "ring_rtt round of 3 nodes"},
	} {
		if got := agent.ParseEvent("n", tc.line).Text(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.line, got, tc.want)
		}
	}
}

// Integers print as the agent wrote them, however big: a token's
// generation and a memory limit printed as 1.796487757159907e+18 and
// 5.0331648e+07 once.
func TestTextPrintsIntegersWhole(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{`{"event":"token","msg":"token","generation":1796487757159907001}`, "token generation=1796487757159907001"},
		{`{"event":"start","msg":"started","memory_limit":50331648}`, "started memory_limit=50331648"},
		{`{"event":"send","msg":"send to b","bytes":2,"rtt_ms":0.25}`, "send to b bytes=2 rtt_ms=0.25"},
		{`{"event":"stats","msg":"stats","stats":{"delivered":20000000}}`, "stats stats=map[delivered:20000000]"},
	} {
		if got := agent.ParseEvent("n", tc.line).Text(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.line, got, tc.want)
		}
	}
}
