package archtest

import (
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// The checker itself, on an import map made up for the purpose: each rule
// must reject a forbidden import and accept an allowed one, or the real run
// (TestImportRules) proves nothing.

func TestImportRuleRejects(t *testing.T) {
	cases := []struct {
		rule string // a prefix of the rule's name
		file goFile
		bad  bool
	}{
		{"the leaf contracts", goFile{"engine/engine.go", ours("engine"), []string{"context", ours("topology")}}, true},
		{"the leaf contracts", goFile{"agent/config.go", ours("agent"), []string{ours("engine")}}, true},
		{"the leaf contracts", goFile{"engine/engine.go", ours("engine"), []string{"context", "net/netip"}}, false},
		{"topology imports", goFile{"topology/plan.go", ours("topology"), []string{ours("agent")}}, true},
		{"topology imports", goFile{"topology/plan.go", ours("topology"), []string{"gopkg.in/yaml.v3"}}, false},
		{"node imports", goFile{"node/agent.go", ours("node"), []string{ours("agent"), ours("node/internal/frame")}}, false},
		{"the agent and its contract", goFile{"node/bpf.go", ours("node"), []string{"golang.org/x/net/bpf"}}, true},
		{"the agent and its contract", goFile{"agent/config.go", ours("agent"), []string{"gopkg.in/yaml.v3"}}, true},
		{"the agent and its contract", goFile{"node/bpf.go", ours("node"), []string{"syscall", ours("node/internal/frame")}}, false},
		{"node imports", goFile{"node/agent.go", ours("node"), []string{ours("engine")}}, true},
		{"node imports", goFile{"node/cmd/topo-node/main.go", ours("node/cmd/topo-node"), []string{ours("orchestrator")}}, true},
		{"node imports", goFile{"node/internal/frame/frame.go", ours("node/internal/frame"), []string{"github.com/docker/go-connections/nat"}}, true},
		{"node imports", goFile{"node/agent.go", ours("node"), []string{"github.com/testcontainers/testcontainers-go"}}, true},
		{"under node/internal only cli", goFile{"node/internal/transport/net.go", ours("node/internal/transport"), []string{ours("node")}}, true},
		{"under node/internal only cli", goFile{"node/internal/control/server.go", ours("node/internal/control"), []string{ours("node/internal/cli")}}, true},
		{"under node/internal only cli", goFile{"node/internal/cli/cli_run.go", ours("node/internal/cli"), []string{ours("node")}}, false},
		{"under node/internal only cli", goFile{"node/cmd/topo-node/main.go", ours("node/cmd/topo-node"), []string{ours("node/internal/cli")}}, false},
		{"transport (links and sockets)", goFile{"node/internal/transport/link/link.go", ours("node/internal/transport/link"), []string{ours("node/internal/control")}}, true},
		{"transport (links and sockets)", goFile{"node/internal/transport/net.go", ours("node/internal/transport"), []string{ours("node/internal/seal"), ours("node/internal/transport/link")}}, false},
		{"the ring imports", goFile{"node/internal/ring/ring.go", ours("node/internal/ring"), []string{ours("node/internal/transport")}}, true},
		{"the ring imports", goFile{"node/internal/ring/ring.go", ours("node/internal/ring"), []string{ours("agent"), ours("node/internal/evlog")}}, false},
		{"the control channel", goFile{"node/internal/control/server.go", ours("node/internal/control"), []string{ours("node/internal/transport")}}, true},
		{"the control channel", goFile{"node/internal/control/server.go", ours("node/internal/control"), []string{ours("agent"), ours("node/internal/sock")}}, false},
		{"the agent's leaves", goFile{"node/internal/ack/ledger.go", ours("node/internal/ack"), []string{ours("node/internal/transport/link")}}, true},
		{"the agent's leaves", goFile{"node/internal/seal/seal.go", ours("node/internal/seal"), []string{ours("node/internal/frame")}}, false},
		{"only engine packages", goFile{"orchestrator/up.go", ours("orchestrator"), []string{"github.com/docker/docker/client"}}, true},
		{"only engine packages", goFile{"open.go", module, []string{"github.com/moby/moby/client"}}, true},
		{"only engine packages", goFile{"docker/docker.go", ours("docker"), []string{"github.com/docker/docker/client"}}, false},
		{"only topotest", goFile{"internal/livetest/livetest.go", ours("internal/livetest"), []string{"github.com/testcontainers/testcontainers-go/wait"}}, true},
		{"only topotest", goFile{"topotest/topotest.go", ours("topotest"), []string{"github.com/testcontainers/testcontainers-go"}}, false},
		{"only topo.Open", goFile{"cmd/topo/engine.go", ours("cmd/topo"), []string{ours("docker")}}, true},
		{"only topo.Open", goFile{"topotest/topotest.go", ours("topotest"), []string{ours("docker")}}, true},
		{"only topo.Open", goFile{"open.go", module, []string{ours("docker")}}, false},
		{"docker imports", goFile{"docker/docker.go", ours("docker"), []string{ours("orchestrator")}}, true},
		{"docker imports", goFile{"docker/docker.go", ours("docker"), []string{ours("engine")}}, false},
		{"nodeimage imports", goFile{"internal/nodeimage/build.go", ours("internal/nodeimage"), []string{ours("docker")}}, true},
		{"nodeimage imports", goFile{"internal/nodeimage/build.go", ours("internal/nodeimage"), []string{ours("engine"), ours("internal/flock")}}, false},
		{"wiring imports", goFile{"internal/wiring/wiring.go", ours("internal/wiring"), []string{ours("engine")}}, true},
		{"wiring imports", goFile{"internal/wiring/wiring.go", ours("internal/wiring"), []string{ours("agent"), ours("topology")}}, false},
		{"orchestrator imports", goFile{"orchestrator/up.go", ours("orchestrator"), []string{ours("docker")}}, true},
		{"orchestrator imports", goFile{"orchestrator/up.go", ours("orchestrator"), []string{ours("internal/nodeimage")}}, true},
		{"orchestrator imports", goFile{"orchestrator/up.go", ours("orchestrator"), []string{ours("engine"), ours("agent"), ours("topology"), ours("internal/wiring"), ours("internal/flock")}}, false},
		{"orchestrator imports", goFile{"orchestrator/faults.go", ours("orchestrator"), []string{ours("orchestrator/internal/faults")}}, false},
		{"orchestrator/internal/faults imports", goFile{"orchestrator/internal/faults/change.go", ours("orchestrator/internal/faults"), []string{ours("orchestrator")}}, true},
		{"orchestrator/internal/faults imports", goFile{"orchestrator/internal/faults/change.go", ours("orchestrator/internal/faults"), []string{ours("internal/wiring")}}, true},
		{"orchestrator/internal/faults imports", goFile{"orchestrator/internal/faults/change.go", ours("orchestrator/internal/faults"), []string{ours("engine"), ours("agent"), ours("topology")}}, false},
		{"only the orchestrator imports its faults", goFile{"internal/ui/server.go", ours("internal/ui"), []string{ours("orchestrator/internal/faults")}}, true},
		{"only the orchestrator imports its faults", goFile{"orchestrator/faults.go", ours("orchestrator"), []string{ours("orchestrator/internal/faults")}}, false},
		{"compose imports", goFile{"internal/compose/compose.go", ours("internal/compose"), []string{ours("docker")}}, true},
		{"compose imports", goFile{"internal/compose/compose.go", ours("internal/compose"), []string{ours("engine"), ours("internal/nodeimage"), ours("orchestrator"), ours("topology")}}, false},
		{"experiment imports", goFile{"internal/experiment/run.go", ours("internal/experiment"), []string{ours("docker")}}, true},
		{"experiment imports", goFile{"internal/experiment/run.go", ours("internal/experiment"), []string{ours("orchestrator"), ours("topology"), ours("agent")}}, false},
		{"ui imports", goFile{"internal/ui/server.go", ours("internal/ui"), []string{ours("docker")}}, true},
		{"ui imports", goFile{"internal/ui/server.go", ours("internal/ui"), []string{ours("engine"), ours("agent"), ours("topology"), ours("orchestrator")}}, false},
	}
	for _, c := range cases {
		r := ruleNamed(t, c.rule)
		got := r.violations([]goFile{c.file})
		if c.bad && len(got) == 0 {
			t.Errorf("rule %q accepted %s importing %v; want a violation", r.name, c.file.path, c.file.imports)
		}
		if !c.bad && len(got) != 0 {
			t.Errorf("rule %q rejected an allowed import: %v", r.name, got)
		}
		for _, v := range got {
			if !strings.HasPrefix(v, c.file.path+" imports ") {
				t.Errorf("message %q does not start with the file and the import", v)
			}
		}
	}
	// Every rule is exercised by at least one rejecting case.
	for _, r := range importRules {
		found := false
		for _, c := range cases {
			if c.bad && strings.HasPrefix(r.name, c.rule) {
				found = true
			}
		}
		if !found {
			t.Errorf("rule %q has no case showing it can fail", r.name)
		}
	}
}

func ruleNamed(t *testing.T, prefix string) importRule {
	t.Helper()
	var found []importRule
	for _, r := range importRules {
		if strings.HasPrefix(r.name, prefix) {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d rules named %q...; want exactly one", len(found), prefix)
	}
	return found[0]
}

func TestImportRuleCovers(t *testing.T) {
	r := importRule{name: "typo", from: []string{ours("orchestrater")}, deny: []string{allOurs}}
	files := []goFile{{"orchestrator/up.go", ours("orchestrator"), []string{ours("docker")}}}
	if r.covers(files) {
		t.Error("a rule for a package that does not exist claims to cover one")
	}
	if got := r.violations(files); len(got) != 0 {
		t.Errorf("violations for a package the rule does not name: %v", got)
	}
}

func TestMatch(t *testing.T) {
	cases := []struct {
		pattern, path string
		want          bool
	}{
		{ours("node/..."), ours("node"), true},
		{ours("node/..."), ours("node/internal/frame"), true},
		{ours("node/..."), ours("internal/nodeimage"), false},
		{ours("node"), ours("node/internal/frame"), false},
		{allOurs, module, true},
		{allOurs, "github.com/topo-dev/topology", false},
		{"github.com/docker/docker/...", "github.com/docker/docker/api/types/container", true},
		{"github.com/docker/docker/...", "github.com/docker/go-units", false},
	}
	for _, c := range cases {
		if got := match(c.pattern, c.path); got != c.want {
			t.Errorf("match(%q, %q) = %v, want %v", c.pattern, c.path, got, c.want)
		}
	}
}

func TestBudgetViolations(t *testing.T) {
	body := func(n int) string { return strings.Repeat("\t_ = 0\n", n) }
	cases := []struct {
		name string
		src  string
		want []string // substrings, one per expected violation
	}{
		{"short func", "package p\n\nfunc f() {\n" + body(5) + "}\n", nil},
		{"func of 80 lines", "package p\n\nfunc f() {\n" + body(78) + "}\n", nil},
		{"func of 81 lines", "package p\n\nfunc f() {\n" + body(79) + "}\n", []string{"p.go:3: func f: 81 lines"}},
		{"method", "package p\n\ntype T[K any] struct{}\n\nfunc (t *T[K]) m() {\n" + body(90) + "}\n", []string{"func T.m: 92 lines"}},
		{"declaration without body", "package p\n\nfunc f()\n", nil},
		{"long file", "package p\n\n" + strings.Repeat("var _ = 0\n", 399), []string{"p.go: 401 lines"}},
		{"file of 400 lines", "package p\n\n" + strings.Repeat("var _ = 0\n", 398), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, "p.go", c.src, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			got := budgetViolations(fset, "p.go", []byte(c.src), f)
			if len(got) != len(c.want) {
				t.Fatalf("got %q, want %d violations like %q", got, len(c.want), c.want)
			}
			for i, w := range c.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("violation %q does not contain %q", got[i], w)
				}
			}
		})
	}
}
