package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/topo-dev/topo/internal/livetest"
)

func TestBuildUsage(t *testing.T) {
	code, out, errOut := runCLI(t, "build", "extra")
	if code != 2 || out != "" || !strings.Contains(errOut, "unknown command") && !strings.Contains(errOut, "accepts 0 arg") {
		t.Errorf("build extra: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
}

// TestIntegrationBuild builds the node image as a compose user does, and
// checks that it prints the content tag and topo-node:latest. The
// topo-node:latest tag goes when the test ends, unless the user had one
// before; the image goes with the removal of unused node images at the end.
func TestIntegrationBuild(t *testing.T) {
	livetest.RestoreLatest(t, livetest.Runtime(t))
	code, out, errOut := runCLI(t, "build")
	if code != 0 {
		t.Fatalf("topo build: exit %d\n%s", code, errOut)
	}
	if !regexp.MustCompile(`^topo-node:[0-9a-f]{12}\ntopo-node:latest\n$`).MatchString(out) {
		t.Errorf("topo build printed %q, want the content tag and topo-node:latest", out)
	}
	if !strings.Contains(errOut, "node image") {
		t.Errorf("topo build showed no progress on stderr: %q", errOut)
	}
}
