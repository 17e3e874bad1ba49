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
	"strings"
	"testing"
)

// module is our import path; go.mod must agree.
const module = "github.com/topo-dev/topo"

// Budgets for non-test code.
const (
	maxFileLines = 400
	maxFuncLines = 80
	// maxNodePackageLines bounds each package of the agent (node/...),
	// so that the agent stays in rooms a newcomer can read (#25).
	maxNodePackageLines = 2500
)

// TestNodePackageBudget checks that no package under node/ is over
// maxNodePackageLines lines of non-test code.
func TestNodePackageBudget(t *testing.T) {
	root := moduleRoot(t)
	lines := map[string]int{}
	walkGoFiles(t, root, func(path, rel string) {
		if !strings.HasPrefix(rel, "node/") {
			return
		}
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		lines[filepath.ToSlash(filepath.Dir(rel))] += lineCount(src)
	})
	if len(lines) == 0 {
		t.Fatal("no package under node/")
	}
	for dir, n := range lines {
		if n > maxNodePackageLines {
			t.Errorf("%s: %d lines, over the budget of %d per package under node/; give it rooms", dir, n, maxNodePackageLines)
		}
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
