package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// TestInvokedAs: the commands topo suggests start the way the user
// started topo.
func TestInvokedAs(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "topo")
	if err := os.WriteFile(bin, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	onPath := func(string) (string, error) { return bin, nil }
	notOnPath := func(string) (string, error) { return "", errors.New("not found") }
	checkout := func(string) bool { return true }
	elsewhere := func(string) bool { return false }
	for _, tc := range []struct {
		name, arg0 string
		look       func(string) (string, error)
		dir        func(string) bool
		want       string
	}{
		{"bare name", "topo", notOnPath, elsewhere, "topo"},
		{"go run in the checkout", "/tmp/go-build123/b001/exe/topo", notOnPath, checkout, "go run ./cmd/topo"},
		{"go run elsewhere", "/tmp/go-build123/b001/exe/topo", notOnPath, elsewhere, "go run github.com/topo-dev/topo/cmd/topo"},
		{"a path the shell also finds", bin, onPath, elsewhere, "topo"},
		{"a path only", bin, notOnPath, elsewhere, bin},
		{"relative path", "./topo", notOnPath, elsewhere, "./topo"},
		{"nothing", "", notOnPath, elsewhere, "topo"},
	} {
		if got := invokedAs(tc.arg0, tc.look, tc.dir); got != tc.want {
			t.Errorf("%s: invokedAs(%q) = %q, want %q", tc.name, tc.arg0, got, tc.want)
		}
	}
}

// TestUpSummaryHints: the commands printed after up start as topo did.
func TestUpSummaryHints(t *testing.T) {
	spec, err := topology.Load("../../topologies/star.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := topology.BuildPlan(spec, topology.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	a := &app{stdout: &out, self: "go run ./cmd/topo"}
	printUpSummary(a, &orchestrator.UpResult{Plan: p}, time.Second)
	for _, want := range []string{"\n  go run ./cmd/topo status star\n", "\n  go run ./cmd/topo send -t star spoke1 spoke2 hello\n",
		"\n  go run ./cmd/topo down star\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("up summary lacks %q:\n%s", want, out.String())
		}
	}
}
