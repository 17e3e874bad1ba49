package faults

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/topology"
)

// plan plans a topology file of the repository.
func plan(t *testing.T, file string) *topology.Plan {
	t.Helper()
	top, err := topology.Load("../../../topologies/" + file)
	if err != nil {
		t.Fatal(err)
	}
	p, err := topology.BuildPlan(top, topology.PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func strs(fs []Fault) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.String())
	}
	return strings.Join(out, "; ")
}

// TestVerbs checks what each verb makes of the faults in force, and that
// it refuses what the plan does not have.
func TestVerbs(t *testing.T) {
	star := plan(t, "star.yaml")
	hubDown := []Fault{{Kind: KindLinkDown, Nodes: []string{"hub", "spoke1"}, From: "hub"}}
	cases := []struct {
		name string
		do   func(in []Fault) ([]Fault, error)
		in   []Fault
		want string // the faults after, or the error
	}{
		{"link down", func(in []Fault) ([]Fault, error) { return Link(star, in, "spoke1", "hub", "", true) }, nil, "link hub–spoke1 down"},
		{"one way", func(in []Fault) ([]Fault, error) { return Link(star, in, "spoke1", "hub", "hub", true) }, nil, "link hub→spoke1 down"},
		{"the other way too is both", func(in []Fault) ([]Fault, error) { return Link(star, in, "hub", "spoke1", "spoke1", true) }, hubDown, "link hub–spoke1 down"},
		{"restore one way of a cut link", func(in []Fault) ([]Fault, error) { return Link(star, in, "hub", "spoke1", "spoke1", false) },
			[]Fault{{Kind: KindLinkDown, Nodes: []string{"hub", "spoke1"}}}, "link hub→spoke1 down"},
		{"no such link", func(in []Fault) ([]Fault, error) { return Link(star, in, "spoke1", "spoke2", "", true) }, nil, "share no segment"},
		{"from not an end", func(in []Fault) ([]Fault, error) { return Link(star, in, "spoke1", "hub", "spoke2", true) }, nil, "not an end"},
		{"impair merges", func(in []Fault) ([]Fault, error) {
			return Impair(star, in, ImpairOptions{A: "hub", B: "spoke1", LossPercent: 5})
		}, []Fault{{Kind: KindImpair, Nodes: []string{"hub", "spoke1"}, Rate: 1e6}}, "link hub–spoke1 impaired: loss=5% rate=1000000bit/s"},
		{"impair clear", func(in []Fault) ([]Fault, error) {
			return Impair(star, in, ImpairOptions{A: "hub", B: "spoke1", Clear: true})
		},
			[]Fault{{Kind: KindImpair, Nodes: []string{"hub", "spoke1"}, Percent: 5}, {Kind: KindImpair, Nodes: []string{"hub", "spoke1"}, From: "hub", Percent: 1}}, ""},
		{"partition", func(in []Fault) ([]Fault, error) { return Partition(star, in, [][]string{{"hub"}}) }, nil, "partition hub | spoke1,spoke2,spoke3,spoke4"},
		{"partition twice", func(in []Fault) ([]Fault, error) { return Partition(star, in, [][]string{{"hub"}, {"hub"}}) }, nil, "in two groups"},
		{"heal", func(in []Fault) ([]Fault, error) { return Heal(in), nil }, []Fault{{Kind: KindPartition, Groups: [][]string{{"hub"}, {"spoke1"}}}}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.do(slices.Clone(c.in))
			switch {
			case err != nil && !strings.Contains(err.Error(), c.want):
				t.Errorf("error %v, want one saying %q", err, c.want)
			case err != nil && !errors.Is(err, ErrBad):
				t.Errorf("error %v is not ErrBad", err)
			case err == nil && strs(Sort(got)) != c.want:
				t.Errorf("faults %q, want %q", strs(got), c.want)
			}
		})
	}
}

// TestPartitionSplit says of a group that cannot reach itself through
// which nodes it would.
func TestPartitionSplit(t *testing.T) {
	fs, err := Partition(plan(t, "star.yaml"), nil, [][]string{{"hub"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || len(fs[0].Split) != 3 || !strings.Contains(fs[0].Split[0], "only through hub") {
		t.Errorf("split %q", fs[0].Split)
	}
}

// fakeLive records what a change does, in order.
type fakeLive struct {
	plan    *topology.Plan
	markers []Fault
	calls   []string
	failAt  string
}

func (f *fakeLive) Plan() *topology.Plan { return f.plan }
func (f *fakeLive) Containers() []engine.ContainerInfo {
	var out []engine.ContainerInfo
	for _, n := range f.plan.Nodes {
		out = append(out, engine.ContainerInfo{State: "running", Labels: map[string]string{engine.LabelNode: n.Name}})
	}
	return out
}
func (f *fakeLive) FileImpairments() map[string]map[string]agent.Impairment { return nil }
func (f *fakeLive) Markers(context.Context) ([]Fault, map[string]Fault, error) {
	return slices.Clone(f.markers), nil, nil
}
func (f *fakeLive) call(s string) error {
	f.calls = append(f.calls, s)
	if f.failAt != "" && strings.HasPrefix(s, f.failAt) {
		return errors.New("failed: " + s)
	}
	return nil
}
func (f *fakeLive) Keep(_ context.Context, lifted, added []Fault) error {
	return f.call(fmt.Sprintf("keep -[%s] +[%s]", strs(lifted), strs(added)))
}
func (f *fakeLive) TellAgents(_ context.Context, _, want map[string]map[string]agent.LinkFault) error {
	return f.call(fmt.Sprintf("tell hub:%s", want["hub"]["spoke1"].Cut))
}
func (f *fakeLive) Filter(_ context.Context, nodes []string, rules map[string]Rules) error {
	var filters []string
	for _, n := range nodes {
		filters = append(filters, fmt.Sprintf("%s:%d", n, len(rules[n].filters)))
	}
	return f.call("filter " + strings.Join(filters, ","))
}

// TestChangeOrder checks that a change keeps its markers first, that the
// agents hear of a cut before the filters make it and of a lifted one
// after, and that a failure stops it.
func TestChangeOrder(t *testing.T) {
	star := plan(t, "star.yaml")
	down := Fault{Kind: KindLinkDown, Nodes: []string{"hub", "spoke1"}}
	cases := []struct {
		name    string
		markers []Fault
		change  func(*topology.Plan, []Fault) ([]Fault, error)
		failAt  string
		want    string
	}{
		{"cut", nil, func(p *topology.Plan, in []Fault) ([]Fault, error) { return append(in, down), nil }, "",
			"keep -[] +[link hub–spoke1 down] | tell hub:link_down | filter hub:1,spoke1:1 | tell hub:link_down"},
		{"lift", []Fault{down}, func(p *topology.Plan, in []Fault) ([]Fault, error) { return nil, nil }, "",
			"keep -[link hub–spoke1 down] +[] | tell hub:link_down | filter hub:0,spoke1:0 | tell hub:"},
		{"refused", nil, func(p *topology.Plan, in []Fault) ([]Fault, error) { return nil, ErrBad }, "", ""},
		{"keep fails", nil, func(p *topology.Plan, in []Fault) ([]Fault, error) { return append(in, down), nil }, "keep",
			"keep -[] +[link hub–spoke1 down]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := &fakeLive{plan: star, markers: c.markers, failAt: c.failAt}
			_, err := Change(context.Background(), l, c.change)
			if got := strings.Join(l.calls, " | "); got != c.want {
				t.Errorf("calls\n got %s\nwant %s", got, c.want)
			}
			if (err != nil) != (c.failAt != "" || c.want == "") {
				t.Errorf("error %v", err)
			}
		})
	}
}

// TestChanged keeps a marker that did not change, and replaces one that
// did.
func TestChanged(t *testing.T) {
	a := Fault{Kind: KindLinkDown, Nodes: []string{"hub", "spoke1"}}
	b := Fault{Kind: KindImpair, Nodes: []string{"hub", "spoke2"}, Percent: 1}
	b2 := b
	b2.Percent = 2
	lifted, added := Changed([]Fault{a, b}, []Fault{a, b2})
	if strs(lifted) != b.String() || strs(added) != b2.String() {
		t.Errorf("lifted %q, added %q", strs(lifted), strs(added))
	}
}
