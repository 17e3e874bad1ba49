package main

import (
	"errors"
	"strings"
	"testing"
)

// TestAgentCommandError: a command other than the agent's, on a node that
// runs topo's agent, is a usage error that says what works there.
func TestAgentCommandError(t *testing.T) {
	if err := agentCommandError("hub", []string{"/topo-node", "stats"}); err != nil {
		t.Errorf("the agent's own command: %v", err)
	}
	err := agentCommandError("hub", []string{"sh"})
	var ue usageError
	if !errors.As(err, &ue) {
		t.Fatalf("sh on an agent node: %v, want a usage error", err)
	}
	for _, want := range []string{"node hub runs topo's agent", "no shell", "topo exec hub -- /topo-node stats", "/topo-node ready", "/topo-node send TO TEXT", "/topo-node dial HOST:PORT", "/topo-node trace ADDR", "your own image"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %q:\n%s", want, err)
		}
	}
	if err := agentCommandError("hub", []string{"stats"}); err == nil || !strings.Contains(err.Error(), "`topo exec hub -- /topo-node stats`") {
		t.Errorf("a verb without the agent's path: %v", err)
	}
}
