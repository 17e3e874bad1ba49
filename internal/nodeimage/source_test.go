package nodeimage

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func TestExtractKeepsOnlyTheAgentsSource(t *testing.T) {
	src := fstest.MapFS{
		"go.mod":                       {Data: []byte("module example.com/m\n\ngo 1.26.8\n\nrequire golang.org/x/sync v0.1.0\n")},
		"agent/config.go":              {Data: []byte("package agent\n")},
		"node/agent.go":                {Data: []byte("package node\n")},
		"node/agent_test.go":           {Data: []byte("package node\n")},
		"node/testdata/x.go":           {Data: []byte("package x\n")},
		"node/cmd/topo-node/main.go":   {Data: []byte("package main\n")},
		"orchestrator/orchestrator.go": {Data: []byte("package orchestrator\n")},
		"node/frame/doc.md":            {Data: []byte("not go\n")},
	}
	dir, cleanup, err := extract(src)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	_ = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			got = append(got, filepath.ToSlash(rel))
		}
		return nil
	})
	want := "agent/config.go go.mod node/agent.go node/cmd/topo-node/main.go"
	if strings.Join(got, " ") != want {
		t.Errorf("extracted %v, want %s", got, want)
	}
	mod, _ := os.ReadFile(filepath.Join(dir, "go.mod"))
	if string(mod) != "module example.com/m\n\ngo 1.26.8\n" {
		t.Errorf("go.mod:\n%s", mod)
	}
	cleanup()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("cleanup left %s: %v", dir, err)
	}
	if _, _, err := extract(fstest.MapFS{"go.mod": {Data: []byte("go 1.26\n")}}); err == nil {
		t.Error("a go.mod without a module line is accepted")
	}
}

// The agent builds from the repository's own tree given as an fs.FS, as
// the topo binary gives its embedded copy, with no checkout named.
func TestBuildFromSource(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the agent")
	}
	t.Setenv("TOPO_SOURCE", "")
	im, err := Build(context.Background(), Options{Source: os.DirFS("../..")})
	if err != nil {
		t.Fatal(err)
	}
	if im.Size() < 1<<20 || im.Size() > 10<<20 {
		t.Errorf("agent binary of %d bytes, want 1 to 10 MB", im.Size())
	}
}
