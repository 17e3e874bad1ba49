package topology

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds Parse arbitrary bytes: it must never panic, and a
// topology it accepts must plan (or fail with an ErrorList) without
// panicking, and the plan must hold its invariants.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	more, _ := filepath.Glob("../topologies/*.yaml")
	for _, file := range append(files, more...) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		top, err := Parse("fuzz.yaml", data)
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("Parse error is not a non-empty ErrorList: %#v", err)
			}
			return
		}
		if top == nil {
			t.Fatal("Parse returned neither a topology nor an error")
		}
		_ = top.Hash()
		p, err := BuildPlan(top, PlanOptions{})
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("BuildPlan error is not an ErrorList: %v", err)
			}
			return
		}
		checkPlan(t, p)
		_ = p.String()
		_ = RenderDOT(p)
		_ = RenderMermaid(p)
	})
}
