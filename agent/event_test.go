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
