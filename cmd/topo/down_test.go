package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestConfirm(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{{"y\n", true}, {"YES\n", true}, {" y \n", true}, {"n\n", false}, {"\n", false}, {"", false}, {"yess\n", false}} {
		var out bytes.Buffer
		if got := confirm(strings.NewReader(tc.in), &out, "remove 2 topologies: a, b?"); got != tc.want {
			t.Errorf("answer %q: %v, want %v", tc.in, got, tc.want)
		}
		if out.String() != "remove 2 topologies: a, b? [y/N] " {
			t.Errorf("asked %q", out.String())
		}
	}
}

// TestDownAllWithoutATerminal: down --all with no one to ask and no --yes
// refuses before it touches the engine, and says what to pass.
func TestDownAllWithoutATerminal(t *testing.T) {
	code, out, errOut := runCLI(t, "down", "--all")
	if code != exitUsage || out != "" || !strings.Contains(errOut, "there is no terminal to ask on; pass --yes to remove them all") {
		t.Errorf("down --all: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
}
