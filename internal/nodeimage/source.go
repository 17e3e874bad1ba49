package nodeimage

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// sourceDirs are the parts of an embedded source tree the agent is built
// from: its contract and itself. Both import only the standard library.
var sourceDirs = []string{"agent", "node"}

// extract writes the agent's module from src (go.mod, agent/, node/) into
// a new temporary directory, without tests and test data, and with a go.mod
// that keeps only the module path and Go version: the agent needs no other
// module. It returns the directory and the func that removes it.
func extract(src fs.FS) (string, func(), error) {
	mod, err := fs.ReadFile(src, "go.mod")
	if err != nil {
		return "", func() {}, fmt.Errorf("node image: embedded source: %w", err)
	}
	gomod, err := agentGoMod(mod)
	if err != nil {
		return "", func() {}, err
	}
	dir, err := os.MkdirTemp("", "topo-node-src-")
	if err != nil {
		return "", func() {}, fmt.Errorf("node image: %w", err)
	}
	cleanup := func() { _ = os.RemoveAll(dir) }
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), gomod, 0o644); err != nil {
		cleanup()
		return "", func() {}, fmt.Errorf("node image: %w", err)
	}
	for _, d := range sourceDirs {
		if err := copyGoFiles(src, d, dir); err != nil {
			cleanup()
			return "", func() {}, fmt.Errorf("node image: embedded source: %w", err)
		}
	}
	return dir, cleanup, nil
}

// copyGoFiles copies the non-test Go files under root in src to dst.
func copyGoFiles(src fs.FS, root, dst string) error {
	return eachGoFile(src, root, func(p string, b []byte) error {
		out := filepath.Join(dst, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(out, b, 0o644)
	})
}

// eachGoFile calls f with the path and content of every non-test Go file
// under root in src, in lexical order, leaving out testdata directories:
// what the agent is built from.
func eachGoFile(src fs.FS, root string, f func(p string, b []byte) error) error {
	return fs.WalkDir(src, root, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && d.Name() == "testdata" && p != root:
			return fs.SkipDir
		case d.IsDir() || path.Ext(p) != ".go" || strings.HasSuffix(p, "_test.go"):
			return nil
		}
		b, err := fs.ReadFile(src, p)
		if err != nil {
			return err
		}
		return f(p, b)
	})
}

// agentGoMod is a go.mod with the module and go lines of mod, and nothing
// else: no requirement, so that nothing is downloaded.
func agentGoMod(mod []byte) ([]byte, error) {
	var module, goVersion string
	sc := bufio.NewScanner(bytes.NewReader(mod))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 && f[0] == "module" {
			module = f[1]
		}
		if len(f) == 2 && f[0] == "go" {
			goVersion = f[1]
		}
	}
	if module == "" || goVersion == "" {
		return nil, errors.New("node image: embedded go.mod has no module or go line")
	}
	return fmt.Appendf(nil, "module %s\n\ngo %s\n", module, goVersion), nil
}
