package main

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// docCommand is a topo command line found in the README or docs/.
type docCommand struct {
	where string // file:line
	args  []string
}

// topoLine matches a shell line that runs topo, as the docs write it.
var topoLine = regexp.MustCompile(`^\s*(?:go run \./cmd/topo|topo)\s+(.*)$`)

// docCommands returns every topo command line in the shell blocks of the
// README and of docs/*.md.
func docCommands(t *testing.T) []docCommand {
	t.Helper()
	files, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	files = append([]string{"../../README.md"}, files...)
	var cmds []docCommand
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inShell := false
		sc := bufio.NewScanner(strings.NewReader(string(b)))
		for n := 1; sc.Scan(); n++ {
			line := sc.Text()
			if fence := strings.TrimSpace(line); strings.HasPrefix(fence, "```") {
				inShell = !inShell && (fence == "```sh" || fence == "```bash" || fence == "```shell")
				continue
			}
			m := topoLine.FindStringSubmatch(line)
			if !inShell || m == nil {
				continue
			}
			cmds = append(cmds, docCommand{where: filepath.Base(f) + ":" + strconv.Itoa(n), args: shellWords(stripShell(m[1]))})
		}
	}
	return cmds
}

// stripShell drops what follows the topo command on its line: a comment,
// a pipe, a redirection or another command.
func stripShell(s string) string {
	quote := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '#' && (i == 0 || s[i-1] == ' '), c == '|', c == '>', c == ';', c == '&':
			return strings.TrimSpace(s[:i])
		}
	}
	return strings.TrimSpace(s)
}

// shellWords splits s into words as a shell would, for the quoting the
// docs use.
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	quote, in := byte(0), false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			cur.WriteByte(c)
		case c == '\'' || c == '"':
			quote, in = c, true
		case c == ' ' || c == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

// Every topo command the README and docs/ show is one topo takes: the
// command exists, and its flags and arguments parse. (What the quick start
// does is run for real, command by command, by TestIntegrationQuickStart.)
func TestDocsCommandsParse(t *testing.T) {
	cmds := docCommands(t)
	if len(cmds) < 20 {
		t.Fatalf("found %d topo commands in the README and docs/, want at least 20: is the extraction broken?", len(cmds))
	}
	for _, dc := range cmds {
		root := newRootCmd(&app{})
		c, rest, err := root.Find(dc.args)
		if err != nil {
			t.Errorf("%s: topo %s: %v", dc.where, strings.Join(dc.args, " "), err)
			continue
		}
		if c == root && len(dc.args) > 0 {
			t.Errorf("%s: topo %s: no such command", dc.where, strings.Join(dc.args, " "))
			continue
		}
		if err := c.ParseFlags(rest); err != nil {
			t.Errorf("%s: topo %s: %v", dc.where, strings.Join(dc.args, " "), err)
			continue
		}
		if err := c.ValidateArgs(c.Flags().Args()); err != nil {
			t.Errorf("%s: topo %s: %v", dc.where, strings.Join(dc.args, " "), err)
		}
	}
}

func TestShellWordsAndStrip(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`send spoke1 spoke3 hello  # delivered`, "send|spoke1|spoke3|hello"},
		{`exec box -- /bin/busybox sh -c "echo hi # not a comment" | cat`, `exec|box|--|/bin/busybox|sh|-c|echo hi # not a comment`},
		{`capture a b -w - > x.pcap`, "capture|a|b|-w|-"},
		{`ui &`, "ui"},
	} {
		if got := strings.Join(shellWords(stripShell(tc.in)), "|"); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
}
