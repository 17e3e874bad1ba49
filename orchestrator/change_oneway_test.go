package orchestrator_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/topo-dev/topo/orchestrator"
)

const oneWay = `name: ow
layout: custom
nodes: [a, b, c]
links:
  - {endpoints: [a, b], delay: 5ms, from: a}
  - {endpoints: [b, c]}
`

// A one-way link whose from: alone changes is changed in place (#26): the
// end that sends impaired now is told the file's impairment, the end that
// no longer does is told none, no container is made again, the plan read
// back says the new end, and an up of the same file again is the no-op.
func TestUpChangesAOneWayLinksEndInPlace(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	e := newEdit(t)
	if _, err := o.Up(ctx, e.to(oneWay), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	before := ids(f)
	for _, tc := range []struct {
		from, to string
		want     string
		told     []string
	}{
		{"from: a", "from: b", "~ link a–b from a → b",
			[]string{`faults a {"b":{"impairment":{}}}`, `faults b {"a":{"impairment":{"delay":"5ms"}}}`}},
		{"from: b", "", "~ link a–b from b → both ends",
			[]string{`faults a {}`, `faults b {"a":{"impairment":{"delay":"5ms"}}}`}},
	} {
		changed := e.to(strings.Replace(oneWay, ", from: a", prefixed(tc.to), 1))
		if got := preview(t, o, changed); !slices.Equal(got.Lines(), []string{tc.want}) || !got.Applies() {
			t.Fatalf("dry run: %q (applies %v, %s), want %q", got.Lines(), got.Applies(), got.Why(), tc.want)
		}
		f.steps = nil
		if _, err := o.Up(ctx, changed, orchestrator.UpOptions{}); err != nil {
			t.Fatalf("up %s: %v", tc.to, err)
		}
		if after := ids(f); !maps.Equal(before, withoutMarkers(after)) {
			t.Errorf("%s: containers changed: %v → %v", tc.to, before, after)
		}
		told := faultSteps(f)
		for _, w := range tc.told {
			if !slices.Contains(told, w) {
				t.Errorf("%s: agents told %q, want %s", tc.to, told, w)
			}
		}
		p, err := o.AppliedPlan(ctx, "ow")
		if want := strings.TrimPrefix(tc.to, "from: "); err != nil || p.Segments[0].ImpairFrom != want {
			t.Errorf("%s: plan read back: %+v, %v; want the impairment from %q", tc.to, p.Segments, err, want)
		}
		if again, err := o.Up(ctx, changed, orchestrator.UpOptions{}); err != nil || !again.AlreadyRunning {
			t.Fatalf("%s: up again: %+v, %v; want the no-op", tc.to, again, err)
		}
	}
}

func prefixed(s string) string {
	if s == "" {
		return ""
	}
	return ", " + s
}
