package cli_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
)

// TestCLISay: the say verb logs one event line under the node it names, at
// the time --at gives (a fault schedule's step is logged when it began, not
// when its container got to run), and refuses a time it cannot read.
func TestCLISay(t *testing.T) {
	at := time.Date(2026, 11, 29, 21, 0, 0, 123e6, time.UTC)
	args := agent.SayCommand("faults", agent.EvFault, "at 5s: restart peer3", at)
	code, out, errOut := runCLI(t, nil, args[1:]...)
	if code != 0 {
		t.Fatalf("say: exit %d: %s", code, errOut)
	}
	var line struct {
		Time  time.Time `json:"time"`
		Msg   string    `json:"msg"`
		Node  string    `json:"node"`
		Event string    `json:"event"`
	}
	if err := json.Unmarshal([]byte(out), &line); err != nil {
		t.Fatalf("say printed %q: %v", out, err)
	}
	if !line.Time.Equal(at) || line.Msg != "at 5s: restart peer3" || line.Node != "faults" || line.Event != agent.EvFault {
		t.Errorf("say printed %+v, want the step at %v under faults", line, at)
	}

	code, _, errOut = runCLI(t, nil, "say", "--at", "five", "--", "fault", "x")
	if code != 2 || !strings.Contains(errOut, "--at") {
		t.Errorf("say --at five: exit %d, %q; want 2 and a word on --at", code, errOut)
	}
}
