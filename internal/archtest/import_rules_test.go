package archtest

import (
	"fmt"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
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
		from: []string{ours("engine"), ours("agent/...")},
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
		allow: []string{ours("agent/..."), ours("node/...")},
	},
	{
		// The node image is built from the embedded source of these two
		// with a go.mod that requires nothing, so that nothing is
		// downloaded: tests may use modules, the agent may not.
		name:  "the agent and its contract import only the standard library",
		from:  []string{ours("node/..."), ours("agent/...")},
		deny:  []string{"github.com/...", "golang.org/...", "gopkg.in/...", "go.yaml.in/...", "go.opentelemetry.io/..."},
		allow: []string{ours("agent/..."), ours("node/...")},
	},
	{
		// The agent's rooms (docs/architecture.md, node/doc.go): the
		// command line runs the agent; nothing below the agent reaches
		// back up to it.
		name:       "under node/internal only cli imports the agent (node), and only node/cmd/topo-node imports cli",
		from:       []string{ours("node/...")},
		exceptFrom: []string{ours("node/internal/cli"), ours("node/cmd/topo-node")},
		deny:       []string{ours("node"), ours("node/internal/cli")},
	},
	{
		name: "transport (links and sockets) imports neither the control channel, the command line, nor the verbs that need no agent",
		from: []string{ours("node/internal/transport/...")},
		deny: []string{ours("node"), ours("node/internal/control"), ours("node/internal/cli"), ours("node/internal/probe"),
			ours("node/internal/netns"), ours("node/internal/trace")},
	},
	{
		name:  "the ring imports of ours only agent, frame and evlog: it reaches its links and its agent through Hop and Host",
		from:  []string{ours("node/internal/ring")},
		deny:  []string{allOurs},
		allow: []string{ours("agent"), ours("node/internal/frame"), ours("node/internal/evlog")},
	},
	{
		name:  "the control channel imports of ours only agent, frame and sock",
		from:  []string{ours("node/internal/control")},
		deny:  []string{allOurs},
		allow: []string{ours("agent"), ours("node/internal/frame"), ours("node/internal/sock")},
	},
	{
		name: "the agent's leaves (ack, seal, shaper, evlog, sock, frame) import of ours only agent and frame",
		from: []string{ours("node/internal/ack"), ours("node/internal/seal"), ours("node/internal/shaper"),
			ours("node/internal/evlog"), ours("node/internal/sock"), ours("node/internal/frame")},
		deny:  []string{allOurs},
		allow: []string{ours("agent"), ours("node/internal/frame")},
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
		from:  []string{ours("internal/nodeimage")},
		deny:  []string{allOurs},
		allow: []string{ours("engine"), ours("internal/flock")},
	},
	{
		name:  "wiring imports of ours only agent and topology",
		from:  []string{ours("internal/wiring")},
		deny:  []string{allOurs},
		allow: []string{ours("agent"), ours("topology")},
	},
	{
		name: "orchestrator imports of ours only engine, agent, topology, wiring, internal/flock and its faults, never an engine implementation",
		from: []string{ours("orchestrator")},
		deny: []string{allOurs},
		allow: []string{ours("engine"), ours("agent"), ours("topology"), ours("internal/wiring"), ours("internal/flock"),
			ours("orchestrator/internal/faults")},
	},
	{
		// The faults are pure logic: what they need of a running topology
		// comes through faults.Live, which the orchestrator implements.
		name:  "orchestrator/internal/faults imports of ours only engine, agent and topology",
		from:  []string{ours("orchestrator/internal/faults")},
		deny:  []string{allOurs},
		allow: []string{ours("engine"), ours("agent"), ours("topology")},
	},
	{
		name:       "only the orchestrator imports its faults",
		from:       []string{allOurs},
		exceptFrom: []string{ours("orchestrator")},
		deny:       []string{ours("orchestrator/internal/faults")},
	},
	{
		name:  "compose imports of ours only engine, topology, orchestrator and nodeimage",
		from:  []string{ours("internal/compose")},
		deny:  []string{allOurs},
		allow: []string{ours("engine"), ours("topology"), ours("orchestrator"), ours("internal/nodeimage")},
	},
	{
		name:  "experiment imports of ours only orchestrator, topology and agent, never an engine implementation",
		from:  []string{ours("internal/experiment")},
		deny:  []string{allOurs},
		allow: []string{ours("orchestrator"), ours("topology"), ours("agent")},
	},
	{
		name:  "ui imports of ours only engine, agent, topology and orchestrator, never an engine implementation",
		from:  []string{ours("internal/ui")},
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
