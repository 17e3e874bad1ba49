package archtest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// module is our import path; go.mod must agree.
const module = "github.com/topo-dev/topo"

// Budgets for non-test code.
const (
	maxFileLines = 400
	maxFuncLines = 80
)

// ours is the import path of one of our packages; "x/..." is x and
// everything under it, as in the go command.
func ours(rel string) string { return module + "/" + rel }

// allOurs matches every package of the module, the root included.
var allOurs = module + "/..."

// dockerSDK is the Docker Engine SDK: the classic module, its successor
// module and the error types it hands back.
var dockerSDK = []string{
	"github.com/docker/docker/...",
	"github.com/moby/moby/...",
	"github.com/containerd/errdefs/...",
}

// dockerAny is everything of Docker's, the SDK and the helpers around it.
var dockerAny = []string{
	"github.com/docker/...",
	"github.com/moby/...",
	"github.com/containerd/...",
	"github.com/testcontainers/...",
}

// importRule says that a package matching from, and not exceptFrom, may not
// import anything matching deny unless it also matches allow.
type importRule struct {
	name       string // the rule, in the words of the guide; the failure message
	from       []string
	exceptFrom []string
	deny       []string
	allow      []string
}

// importRules are the arrows of "Who may import whom" in the guide.
var importRules = []importRule{
	{
		name: "the leaf contracts (engine port, agent contract) import nothing of ours",
		from: []string{ours("engine"), ours("agent")},
		deny: []string{allOurs},
	},
	{
		name: "topology imports nothing of ours",
		from: []string{ours("topology")},
		deny: []string{allOurs},
	},
	{
		name:  "node imports of ours only the agent contract and node/..., and nothing of Docker",
		from:  []string{ours("node/...")},
		deny:  append([]string{allOurs}, dockerAny...),
		allow: []string{ours("agent"), ours("node/...")},
	},
	{
		// The node image is built from the embedded source of these two
		// with a go.mod that requires nothing, so that nothing is
		// downloaded: tests may use modules, the agent may not.
		name:  "the agent and its contract import only the standard library",
		from:  []string{ours("node/..."), ours("agent")},
		deny:  []string{"github.com/...", "golang.org/...", "gopkg.in/...", "go.yaml.in/...", "go.opentelemetry.io/..."},
		allow: []string{ours("agent"), ours("node/...")},
	},
	{
		name:       "only engine packages (docker) import the Docker SDK",
		from:       []string{allOurs},
		exceptFrom: []string{ours("docker")},
		deny:       dockerSDK,
	},
	{
		name:       "only topotest imports testcontainers",
		from:       []string{allOurs},
		exceptFrom: []string{ours("topotest")},
		deny:       []string{"github.com/testcontainers/..."},
	},
	{
		// The engine is picked in one place (topo.Open: --engine docker or
		// swarm), so that every command and topotest run on either.
		name:       "only topo.Open (and the live-test frame) picks an engine implementation",
		from:       []string{allOurs},
		exceptFrom: []string{module, ours("internal/livetest"), ours("docker")},
		deny:       []string{ours("docker")},
	},
	{
		name:  "docker imports of ours only the engine port",
		from:  []string{ours("docker")},
		deny:  []string{allOurs},
		allow: []string{ours("engine")},
	},
	{
		name:  "nodeimage imports of ours only engine and internal/flock",
		from:  []string{ours("nodeimage")},
		deny:  []string{allOurs},
		allow: []string{ours("engine"), ours("internal/flock")},
	},
	{
		name:  "wiring imports of ours only agent and topology",
		from:  []string{ours("wiring")},
		deny:  []string{allOurs},
		allow: []string{ours("agent"), ours("topology")},
	},
	{
		name:  "orchestrator imports of ours only engine, agent, topology, wiring and internal/flock, never an engine implementation",
		from:  []string{ours("orchestrator")},
		deny:  []string{allOurs},
		allow: []string{ours("engine"), ours("agent"), ours("topology"), ours("wiring"), ours("internal/flock")},
	},
	{
		name:  "compose imports of ours only engine, topology, orchestrator and nodeimage",
		from:  []string{ours("compose")},
		deny:  []string{allOurs},
		allow: []string{ours("engine"), ours("topology"), ours("orchestrator"), ours("nodeimage")},
	},
	{
		name:  "ui imports of ours only engine, agent, topology and orchestrator, never an engine implementation",
		from:  []string{ours("ui")},
		deny:  []string{allOurs},
		allow: []string{ours("engine"), ours("agent"), ours("topology"), ours("orchestrator")},
	},
}

// goFile is what the import rules need of one file.
type goFile struct {
	path    string // relative to the module root, slash-separated
	pkg     string // import path of its package
	imports []string
}

// match reports whether path matches pattern: exactly, or, for "x/...", x or
// anything under x.
func match(pattern, path string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "/..."); ok {
		return path == prefix || strings.HasPrefix(path, prefix+"/")
	}
	return path == pattern
}

func matchAny(patterns []string, path string) bool {
	for _, p := range patterns {
		if match(p, path) {
			return true
		}
	}
	return false
}

// applies reports whether the rule constrains package pkg.
func (r importRule) applies(pkg string) bool {
	return matchAny(r.from, pkg) && !matchAny(r.exceptFrom, pkg)
}

// violations lists, for each file the rule applies to, each import the rule
// forbids, one message per import.
func (r importRule) violations(files []goFile) []string {
	var out []string
	for _, f := range files {
		if !r.applies(f.pkg) {
			continue
		}
		for _, imp := range f.imports {
			if matchAny(r.deny, imp) && !matchAny(r.allow, imp) {
				out = append(out, fmt.Sprintf("%s imports %s; rule: %s", f.path, imp, r.name))
			}
		}
	}
	return out
}

// covers reports whether the rule applies to at least one of files, so
// that a misspelt or moved package does not leave a row checking nothing.
func (r importRule) covers(files []goFile) bool {
	for _, f := range files {
		if r.applies(f.pkg) {
			return true
		}
	}
	return false
}

func TestImportRules(t *testing.T) {
	root := moduleRoot(t)
	files := loadImports(t, root)
	for _, r := range importRules {
		t.Run(r.name, func(t *testing.T) {
			if !r.covers(files) {
				t.Fatalf("rule %q applies to no package of the module; fix its from list", r.name)
			}
			for _, v := range r.violations(files) {
				t.Error(v)
			}
		})
	}
}

func TestSizeBudgets(t *testing.T) {
	root := moduleRoot(t)
	fset := token.NewFileSet()
	n := 0
	walkGoFiles(t, root, func(path, rel string) {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		n++
		for _, v := range budgetViolations(fset, rel, src, f) {
			t.Error(v)
		}
	})
	if n == 0 {
		t.Fatalf("no Go files under %s", root)
	}
}

// budgetViolations lists what in one file is over the size budgets.
func budgetViolations(fset *token.FileSet, rel string, src []byte, f *ast.File) []string {
	var out []string
	if n := lineCount(src); n > maxFileLines {
		out = append(out, fmt.Sprintf("%s: %d lines, over the budget of %d per file; split it by concern", rel, n, maxFileLines))
	}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		start, end := fset.Position(fd.Pos()).Line, fset.Position(fd.End()).Line
		if n := end - start + 1; n > maxFuncLines {
			out = append(out, fmt.Sprintf("%s:%d: func %s: %d lines, over the budget of %d per function; split it into steps", rel, start, funcName(fd), n, maxFuncLines))
		}
	}
	return out
}

// lineCount counts lines as wc -l does, plus a last line without a newline.
func lineCount(src []byte) int {
	n := bytes.Count(src, []byte("\n"))
	if len(src) > 0 && src[len(src)-1] != '\n' {
		n++
	}
	return n
}

// funcName is Recv.Name for methods, Name for functions.
func funcName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	t := fd.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	switch x := t.(type) {
	case *ast.IndexExpr:
		t = x.X
	case *ast.IndexListExpr:
		t = x.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name + "." + fd.Name.Name
	}
	return fd.Name.Name
}

// loadImports parses the import block of every non-test Go file.
func loadImports(t *testing.T, root string) []goFile {
	t.Helper()
	fset := token.NewFileSet()
	var files []goFile
	walkGoFiles(t, root, func(path, rel string) {
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		gf := goFile{path: rel, pkg: module}
		if dir := filepath.ToSlash(filepath.Dir(rel)); dir != "." {
			gf.pkg = module + "/" + dir
		}
		for _, is := range f.Imports {
			p, err := strconv.Unquote(is.Path.Value)
			if err != nil {
				t.Fatalf("%s: import %s: %v", rel, is.Path.Value, err)
			}
			gf.imports = append(gf.imports, p)
		}
		files = append(files, gf)
	})
	if len(files) == 0 {
		t.Fatalf("no Go files under %s", root)
	}
	return files
}

// walkGoFiles calls fn for every non-test Go file of the module, skipping
// what the go command skips (testdata, dot and underscore directories) and
// nested modules.
func walkGoFiles(t *testing.T, root string, fn func(path, rel string)) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			if path != root {
				if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
					return filepath.SkipDir
				}
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		fn(path, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// moduleRoot walks up from the working directory to the go.mod of module.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		gomod := filepath.Join(dir, "go.mod")
		if _, err := os.Stat(gomod); err == nil {
			got, err := modulePath(gomod)
			if err != nil {
				t.Fatal(err)
			}
			if got != module {
				t.Fatalf("%s declares module %q, want %q", gomod, got, module)
			}
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}

// modulePath reads the module directive of a go.mod file.
func modulePath(gomod string) (string, error) {
	f, err := os.Open(gomod)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module"); ok && rest != "" && (rest[0] == ' ' || rest[0] == '\t') {
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", errors.New(gomod + ": no module directive")
}

// The checker itself, on an import map made up for the purpose: each rule
// must reject a forbidden import and accept an allowed one, or the real run
// above proves nothing.

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
		{"node imports", goFile{"node/agent.go", ours("node"), []string{ours("agent"), ours("node/frame")}}, false},
		{"the agent and its contract", goFile{"node/bpf.go", ours("node"), []string{"golang.org/x/net/bpf"}}, true},
		{"the agent and its contract", goFile{"agent/config.go", ours("agent"), []string{"gopkg.in/yaml.v3"}}, true},
		{"the agent and its contract", goFile{"node/bpf.go", ours("node"), []string{"syscall", ours("node/frame")}}, false},
		{"node imports", goFile{"node/agent.go", ours("node"), []string{ours("engine")}}, true},
		{"node imports", goFile{"node/cmd/topo-node/main.go", ours("node/cmd/topo-node"), []string{ours("orchestrator")}}, true},
		{"node imports", goFile{"node/frame/frame.go", ours("node/frame"), []string{"github.com/docker/go-connections/nat"}}, true},
		{"node imports", goFile{"node/agent.go", ours("node"), []string{"github.com/testcontainers/testcontainers-go"}}, true},
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
		{"nodeimage imports", goFile{"nodeimage/build.go", ours("nodeimage"), []string{ours("docker")}}, true},
		{"nodeimage imports", goFile{"nodeimage/build.go", ours("nodeimage"), []string{ours("engine"), ours("internal/flock")}}, false},
		{"wiring imports", goFile{"wiring/wiring.go", ours("wiring"), []string{ours("engine")}}, true},
		{"wiring imports", goFile{"wiring/wiring.go", ours("wiring"), []string{ours("agent"), ours("topology")}}, false},
		{"orchestrator imports", goFile{"orchestrator/up.go", ours("orchestrator"), []string{ours("docker")}}, true},
		{"orchestrator imports", goFile{"orchestrator/up.go", ours("orchestrator"), []string{ours("nodeimage")}}, true},
		{"orchestrator imports", goFile{"orchestrator/up.go", ours("orchestrator"), []string{ours("engine"), ours("agent"), ours("topology"), ours("wiring"), ours("internal/flock")}}, false},
		{"compose imports", goFile{"compose/compose.go", ours("compose"), []string{ours("docker")}}, true},
		{"compose imports", goFile{"compose/compose.go", ours("compose"), []string{ours("engine"), ours("nodeimage"), ours("orchestrator"), ours("topology")}}, false},
		{"ui imports", goFile{"ui/server.go", ours("ui"), []string{ours("docker")}}, true},
		{"ui imports", goFile{"ui/server.go", ours("ui"), []string{ours("engine"), ours("agent"), ours("topology"), ours("orchestrator")}}, false},
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
		{ours("node/..."), ours("node/frame"), true},
		{ours("node/..."), ours("nodeimage"), false},
		{ours("node"), ours("node/frame"), false},
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
