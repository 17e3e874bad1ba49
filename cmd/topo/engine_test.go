package main

import (
	"strings"
	"testing"
)

// --engine, or TOPO_ENGINE, picks the engine of every command; a name topo
// does not know is a usage error before anything is reached.
func TestEngineFlag(t *testing.T) {
	for _, tc := range []struct {
		env  string
		args []string
	}{
		{"", []string{"--engine", "kubernetes", "ls"}},
		{"kubernetes", []string{"ls"}},
		{"kubernetes", []string{"status", "x"}},
	} {
		t.Setenv("TOPO_ENGINE", tc.env)
		code, _, errOut := runCLI(t, tc.args...)
		if code != exitUsage || !strings.Contains(errOut, `--engine "kubernetes": want docker or swarm`) {
			t.Errorf("TOPO_ENGINE=%q topo %v: exit %d, %q", tc.env, tc.args, code, errOut)
		}
	}
	t.Setenv("TOPO_ENGINE", "swarm")
	code, out, _ := runCLI(t, "up", "--help")
	if code != 0 || !strings.Contains(out, `(default "swarm")`) {
		t.Errorf("TOPO_ENGINE=swarm is not the --engine default: %d %s", code, out)
	}
}

// A command that picks one of several running topologies by itself says
// which and why on standard error; with no choice made it says nothing.
func TestSayPicked(t *testing.T) {
	for _, tc := range []struct{ name, why, want string }{
		{"nc-web", "its file is below this directory", "using nc-web: its file is below this directory; -t picks another\n"},
		{"star", "its file is in this directory", "using star: its file is in this directory; -t picks another\n"},
		{"star", "", ""},
	} {
		var b strings.Builder
		sayPicked(&b, tc.name, tc.why)
		if b.String() != tc.want {
			t.Errorf("%s (%q): %q, want %q", tc.name, tc.why, b.String(), tc.want)
		}
	}
}
