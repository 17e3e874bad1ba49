package cli

import (
	"flag"
	"io"
	"slices"
	"testing"
	"time"
)

func TestParseDoubleDash(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		pos     []string
		timeout time.Duration
		socket  string
		quiet   bool
	}{
		{args: []string{"b", "hi"}, pos: []string{"b", "hi"}},
		{args: []string{"b", "hi", "--timeout", "1s"}, pos: []string{"b", "hi"}, timeout: time.Second},
		{args: []string{"--timeout", "1s", "b", "--no-receipt", "hi"}, pos: []string{"b", "hi"}, timeout: time.Second, quiet: true},
		{args: []string{"--timeout", "1s", "--", "b", "-x"}, pos: []string{"b", "-x"}, timeout: time.Second},
		{args: []string{"--timeout", "1s", "--", "-b", "--timeout"}, pos: []string{"-b", "--timeout"}, timeout: time.Second},
		{args: []string{"b", "--", "-x"}, pos: []string{"b", "-x"}},
		{args: []string{"--no-receipt", "--", "b", "--"}, pos: []string{"b", "--"}, quiet: true},
		{args: []string{"--", "b", "hi"}, pos: []string{"b", "hi"}},
		{args: []string{"b", "hi", "--"}, pos: []string{"b", "hi"}},
		// A "--" that is a flag's value ends nothing.
		{args: []string{"--socket", "--", "b", "--no-receipt", "hi"}, pos: []string{"b", "hi"}, socket: "--", quiet: true},
		{args: []string{"--socket=x", "--", "b", "-x"}, pos: []string{"b", "-x"}, socket: "x"},
		{args: []string{"-", "b"}, pos: []string{"-", "b"}},
	} {
		fs := flag.NewFlagSet("send", flag.ContinueOnError)
		socket := fs.String("socket", "", "")
		quiet := fs.Bool("no-receipt", false, "")
		timeout := fs.Duration("timeout", 0, "")
		pos, err := parse(fs, tc.args, io.Discard)
		if err != nil {
			t.Errorf("%q: %v", tc.args, err)
			continue
		}
		if !slices.Equal(pos, tc.pos) || *timeout != tc.timeout || *socket != tc.socket || *quiet != tc.quiet {
			t.Errorf("%q: positional %q, timeout %v, socket %q, no-receipt %v; want %q, %v, %q, %v",
				tc.args, pos, *timeout, *socket, *quiet, tc.pos, tc.timeout, tc.socket, tc.quiet)
		}
	}
	fs := flag.NewFlagSet("send", flag.ContinueOnError)
	fs.Duration("timeout", 0, "")
	if _, err := parse(fs, []string{"--timeout", "1s", "b", "-x"}, io.Discard); err == nil {
		t.Errorf("an undefined flag before any --: no error")
	}
}
