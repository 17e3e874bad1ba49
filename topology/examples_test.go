package topology

import (
	"path/filepath"
	"testing"
)

// Every example shipped in topologies/ must load and plan.
func TestExampleTopologies(t *testing.T) {
	files, err := filepath.Glob("../topologies/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no example topologies found")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			top, err := Load(f)
			if err != nil {
				t.Fatalf("Load:\n%v", err)
			}
			if _, err := BuildPlan(top, PlanOptions{}); err != nil {
				t.Fatalf("BuildPlan:\n%v", err)
			}
		})
	}
}
