package topology

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files and expected errors in testdata")

// golden compares got with the file, or rewrites the file under -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run go test -update to accept):\n--- got\n%s--- want\n%s", path, got, want)
	}
}

func glob(t *testing.T, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no files match %s", pattern)
	}
	return files
}

func loadPlan(path string) (*Plan, error) {
	top, err := Load(path)
	if err != nil {
		return nil, err
	}
	return BuildPlan(top, PlanOptions{})
}

func TestValid(t *testing.T) {
	for _, f := range glob(t, "testdata/valid-*.yaml") {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			p, err := loadPlan(f)
			if err != nil {
				t.Fatalf("want no error, got:\n%v", err)
			}
			checkPlan(t, p)
			golden(t, filepath.Join("testdata", "golden", strings.TrimPrefix(name, "valid-")+".plan"), p.String())
		})
	}
}

// Each invalid-NAME.yaml has a sibling invalid-NAME.err holding exactly the
// lines Load (then BuildPlan) must report.
func TestInvalid(t *testing.T) {
	for _, f := range glob(t, "testdata/invalid-*.yaml") {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			_, err := loadPlan(f)
			if err == nil {
				t.Fatal("want an error, got none")
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("want an ErrorList, got %T: %v", err, err)
			}
			for _, e := range list {
				if e.File != f {
					t.Errorf("error %q names file %q, want %q", e.Msg, e.File, f)
				}
			}
			golden(t, strings.TrimSuffix(f, ".yaml")+".err", err.Error()+"\n")
		})
	}
}
