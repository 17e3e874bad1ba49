package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/internal/flock"
)

// TestBadInputIsOneLineAndExit2 runs the built binary on hostile input:
// each is refused at once, before Docker is asked, with one line in topo's
// words and exit code 2. /dev/zero was read until memory ran out, and a
// 50 MB file took 3.7 GB before its error.
func TestBadInputIsOneLineAndExit2(t *testing.T) {
	topoBinary(t) // built once, for every subtest (a subtest's would go with it)
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(50 << 20); err != nil { // sparse: nothing on disk
		t.Fatal(err)
	}
	f.Close()
	good := "../../topologies/p2p.yaml"
	long := strings.Repeat("n", 5000)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"validate a device", []string{"validate", "/dev/zero"}, "/dev/zero is not a regular file"},
		{"validate a huge file", []string{"validate", big}, "larger than 4 MiB"},
		{"validate a directory", []string{"validate", dir}, "is a directory"},
		{"status -t a device", []string{"status", "-t", "/dev/zero"}, "/dev/zero is not a regular file"},
		{"down a device", []string{"down", "/dev/zero"}, "/dev/zero is not a regular file"},
		{"down a huge file", []string{"down", big}, "larger than 4 MiB"},
		{"up a device", []string{"up", "/dev/zero"}, "/dev/zero is not a regular file"},
		{"up --timeout 1ns", []string{"up", "--timeout", "1ns", good}, "--timeout 1ns is too short"},
		{"up --timeout 0", []string{"up", "--timeout", "0", good}, "--timeout 0s: must be positive"},
		{"up --timeout -1s", []string{"up", "--timeout", "-1s", good}, "--timeout -1s: must be positive"},
		{"up --max-workers 0", []string{"up", "--max-workers", "0", good}, "--max-workers 0: want 1 or more"},
		{"down --max-workers -1", []string{"down", "--max-workers", "-1", "lab"}, "--max-workers -1: want 1 or more"},
		{"status --max-workers 0", []string{"status", "--max-workers", "0"}, "--max-workers 0: want 1 or more"},
		{"a 5,000-character name", []string{"status", "-t", long}, `"` + long[:64] + `…" is not a valid topology name`},
		{"a 5,000-character --name", []string{"up", "--name", long, good}, `"` + long[:64] + `…" is not a valid topology name`},
		{"a 5,000-character file", []string{"validate", long}, long[:64] + "…"},
		{"a 5,000-character path", []string{"up", strings.Repeat("n/", 2500)}, strings.Repeat("n/", 32) + "…"},
		{"a name with a path in it", []string{"down", "x/../../name"}, "x/../../name: no such file, and not a topology name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := topo(t, []string{"DOCKER_HOST=unix:///nonexistent/docker.sock"}, tt.args...).must(t, 2)
			line := strings.TrimSpace(r.stderr)
			if strings.Contains(line, "\n") || !strings.HasPrefix(line, "topo: ") || !strings.Contains(line, tt.want) || len(line) > 300 {
				t.Errorf("stderr:\n%s\nwant one line of topo's, under 300 bytes, with %q", r.stderr, tt.want)
			}
		})
	}
}

// TestDownTraversalTouchesNothingOutside: `down x/../../NAME` removed
// NAME.pid next to topo's directory, through the fault schedule's pid file
// path. It is refused, and the file stays.
func TestDownTraversalTouchesNothingOutside(t *testing.T) {
	dir, err := flock.Dir()
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("topo-victim-%d", time.Now().UnixNano())
	victim := filepath.Join(filepath.Dir(dir), name+".pid")
	if err := os.WriteFile(victim, []byte("1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Remove(victim) })
	for _, ref := range []string{"x/../../" + name, "../" + name} {
		r := topo(t, nil, "down", ref).must(t, 2)
		if !strings.Contains(r.stderr, "not a topology name") {
			t.Errorf("down %s: %s", ref, r.stderr)
		}
		if _, err := os.Stat(victim); err != nil {
			t.Fatalf("down %s removed %s: %v", ref, victim, err)
		}
	}
}
