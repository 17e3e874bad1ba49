package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/internal/livetest"
)

// TestIntegrationQuickStart runs every topo command of the README's set-up
// and quick start, in its order, with the built binary, and checks what
// each one's comment promises. The topology gets a name of the test's own
// (the commands are given it with -t, or as their argument), so that the
// test runs beside others; the live view listens on a free port; logs -f
// is stopped after its first lines.
func TestIntegrationQuickStart(t *testing.T) {
	livetest.Require(t)
	name := livetest.Name(t, "quick")
	t.Cleanup(func() { topo(t, nil, "down", name) })
	var cmds []docCommand
	for _, c := range docCommands(t) {
		if strings.HasPrefix(c.where, "README.md:") && quickStartVerbs[c.args[0]] {
			cmds = append(cmds, c)
		}
		if len(cmds) > 0 && c.args[0] == "down" {
			break // the quick start ends with down
		}
	}
	var verbs []string
	for _, c := range cmds {
		verbs = append(verbs, c.args[0])
	}
	if want := []string{"up", "status", "send", "logs", "link", "ui", "down"}; !slices.Equal(verbs, want) {
		t.Fatalf("the README's quick start runs %v; this test knows %v", verbs, want)
	}
	for _, c := range cmds {
		args := quickStartArgs(t, c.args, name)
		t.Logf("%s: topo %s", c.where, strings.Join(args, " "))
		switch c.args[0] {
		case "logs":
			checkFollowedLogs(t, args)
		case "ui":
			checkUI(t, args)
		default:
			r := topo(t, nil, args...).must(t, 0)
			checkQuickStep(t, c.args[0], name, r)
		}
	}
	if out := topo(t, nil, "ls").must(t, 0).stdout; strings.Contains(out, name) {
		t.Errorf("ls after the quick start's down still lists %s:\n%s", name, out)
	}
}

// quickStartVerbs are the commands the README's first blocks run.
var quickStartVerbs = map[string]bool{"up": true, "status": true, "send": true, "logs": true, "link": true, "ui": true, "down": true}

// quickStartArgs are a README command's arguments as this test runs them:
// the file found from the checkout's root, the test's name given to it.
func quickStartArgs(t *testing.T, args []string, name string) []string {
	out := slices.Clone(args)
	switch args[0] {
	case "up":
		file, err := filepath.Abs(filepath.Join("..", "..", args[len(args)-1]))
		if err != nil {
			t.Fatal(err)
		}
		return append(out[:len(out)-1], "--name", name, file)
	case "down":
		return append(out, name)
	case "ui":
		out = append(out, "--addr", "127.0.0.1:0")
	}
	return append(out, "-t", name)
}

// checkQuickStep checks what the README's comment on a step promises.
func checkQuickStep(t *testing.T, verb, name string, r result) {
	t.Helper()
	want := map[string][]string{
		"up":     {name + " is up"},
		"status": {"hub", "spoke1", "spoke4", "NEIGHBOURS"},
		"send":   {"delivered spoke1 → spoke3 in 2 hops", "spoke1 → hub → spoke3"},
		"link":   {"hub", "spoke1"},
		"down":   {name},
	}[verb]
	for _, w := range want {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("topo %s: the output lacks %q:\n%s", verb, w, r.stdout)
		}
	}
	if verb == "link" {
		if out := topo(t, nil, "faults", "-t", name).must(t, 0).stdout; !strings.Contains(out, "hub–spoke1 down") {
			t.Errorf("topo faults after the quick start's link down:\n%s", out)
		}
	}
}

// checkFollowedLogs runs logs -f until it has printed lines of two nodes.
func checkFollowedLogs(t *testing.T, args []string) {
	t.Helper()
	out, stop := startTopo(t, args)
	defer stop()
	seen := map[string]bool{}
	sc := bufio.NewScanner(out)
	for sc.Scan() && len(seen) < 2 {
		if node, _, ok := strings.Cut(sc.Text(), " "); ok && (strings.Contains(node, "spoke") || strings.Contains(node, "hub")) {
			seen[node] = true
		}
	}
	if len(seen) < 2 {
		t.Errorf("logs -f printed lines of %v within 30 s, want two nodes", seen)
	}
}

// checkUI starts the live view, fetches the page it prints, and stops it.
func checkUI(t *testing.T, args []string) {
	t.Helper()
	out, stop := startTopo(t, args)
	defer stop()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("topo ui printed no URL: %v", err)
	}
	url, _, _ := strings.Cut(strings.TrimPrefix(line, "topo ui: "), " ")
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<html") {
		t.Errorf("GET %s: %s\n%.300s", url, resp.Status, body)
	}
}

// startTopo starts the built binary with args for at most 30 s, and returns
// its standard output and what stops it.
func startTopo(t *testing.T, args []string) (io.Reader, func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	cmd := exec.CommandContext(ctx, topoBinary(t), args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	return out, func() { cancel(); _ = cmd.Wait() }
}
