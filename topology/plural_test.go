package topology

import (
	"errors"
	"strings"
	"testing"
)

// TestPlurals: one of a thing is said in the singular.
func TestPlurals(t *testing.T) {
	p := mustPlan(t, "name: two\nlayout: p2p\nnodes: 2\ntraffic: {size: 1}\n", PlanOptions{})
	s := p.String()
	for _, want := range []string{"topology two: p2p, 2 nodes, 1 segment\n", "every 2s, 1 byte\n"} {
		if !strings.Contains(s, want) {
			t.Errorf("plan lacks %q:\n%s", want, s)
		}
	}
	e := errs{file: "f.yaml"}
	for range maxErrors + 1 {
		e.add(Pos{Line: 1, Col: 1}, "bad")
	}
	var list ErrorList
	if !errors.As(e.err(), &list) || list[len(list)-1].Error() != "f.yaml: 1 more problem not shown: fix these first" {
		t.Errorf("one dropped: %v", list[len(list)-1])
	}
}
