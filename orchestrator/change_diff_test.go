package orchestrator

import (
	"encoding/json"
	"flag"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/wiring"
	"github.com/topo-dev/topo/topology"
)

var updateChanges = flag.Bool("update", false, "rewrite the golden files in testdata/change")

// TestDiffPlans diffs, for each case in testdata/change, the plan of
// before.yaml as it runs with the plan of after.yaml planned beside it
// (its subnets kept), and compares the operations, the nodes to
// reconfigure, the refusals and whether up applies it with the case's
// want file: once with every resource labelled with its parts, once as an
// older topo left it, unlabelled (want-unlabelled, where that differs).
func TestDiffPlans(t *testing.T) {
	dirs, err := filepath.Glob("testdata/change/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			before := planFile(t, filepath.Join(dir, "before.yaml"), nil)
			after := planFile(t, filepath.Join(dir, "after.yaml"), subnetsOf(before))
			applied := readBack(t, before)
			labelled := diffPlans(labelledRunning(before, applied), after, diffOptions{fixedAddrs: true})
			r, unlabelled := runningOf(applied, &observed{containers: map[string]engine.ContainerInfo{}, networks: map[string]engine.NetworkInfo{}})
			if !unlabelled {
				t.Fatal("runningOf of unlabelled resources says they are labelled")
			}
			bare := diffPlans(r, after, diffOptions{fixedAddrs: true})
			got, gotBare := changeText(labelled), changeText(bare)
			golden(t, filepath.Join(dir, "want"), got)
			wantBare := filepath.Join(dir, "want-unlabelled")
			if gotBare == got && !*updateChanges {
				if _, err := os.Stat(wantBare); err == nil {
					t.Errorf("%s: unlabelled gives the labelled result; remove the file", wantBare)
				}
				return
			}
			if gotBare == got {
				os.Remove(wantBare)
				return
			}
			golden(t, wantBare, gotBare)
		})
	}
}

// planFile plans a topology file, keeping subnets as up does.
func planFile(t *testing.T, path string, keep map[string]netip.Prefix) *topology.Plan {
	t.Helper()
	top, err := topology.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := topology.BuildPlan(top, topology.PlanOptions{Keep: keep})
	if err != nil {
		t.Fatal(err)
	}
	p.File = "/lab.yaml" // both versions are one file
	return p
}

func subnetsOf(p *topology.Plan) map[string]netip.Prefix {
	out := map[string]netip.Prefix{}
	for _, s := range p.Segments {
		out[s.Name] = s.Subnet
	}
	return out
}

// readBack is the plan AppliedPlan reads from what runs: the configs
// its nodes were handed, and the networks' subnets.
func readBack(t *testing.T, p *topology.Plan) *topology.Plan {
	t.Helper()
	var nodes []wiring.Running
	for _, n := range p.Nodes {
		cfg, err := wiring.NodeConfig(p, n.Name, wiring.Options{})
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, wiring.Running{Config: cfg, Image: n.Image, Command: n.Command})
	}
	var segs []wiring.Segment
	for _, s := range p.Segments {
		segs = append(segs, wiring.Segment{Name: s.Name, Subnet: s.Subnet})
	}
	back, err := wiring.PlanOf(p.Name, p.File, nodes, segs)
	if err != nil {
		t.Fatal(err)
	}
	return back
}

// labelledRunning is what runs as this topo makes it: every resource
// labelled with the parts of the plan it was made from.
func labelledRunning(made, applied *topology.Plan) running {
	nets, cons, err := Specs(made, SpecOptions{Image: "topo-node:x", Hash: "h"})
	if err != nil {
		panic(err)
	}
	ob := &observed{containers: map[string]engine.ContainerInfo{}, networks: map[string]engine.NetworkInfo{}}
	for _, c := range cons {
		ob.containers[c.Labels[engine.LabelNode]] = engine.ContainerInfo{Labels: c.Labels}
	}
	for _, n := range nets {
		ob.networks[n.Labels[engine.LabelSegment]] = engine.NetworkInfo{Labels: n.Labels}
	}
	r, _ := runningOf(applied, ob)
	return r
}

// changeText is a change as the want files have it.
func changeText(c *Change) string {
	var b strings.Builder
	for _, l := range c.Lines() {
		b.WriteString(l + "\n")
	}
	if len(c.Reconfigure) > 0 {
		b.WriteString("reconfigure: " + strings.Join(c.needs(), ", ") + "\n")
	}
	for _, r := range c.Refused {
		b.WriteString("refused: " + r + "\n")
	}
	switch {
	case c.Empty():
		b.WriteString("no change\n")
	case c.Applies():
		b.WriteString("applies\n")
	}
	return b.String()
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *updateChanges {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -run TestDiffPlans -update writes it)", err)
	}
	if got != string(want) {
		t.Errorf("%s:\ngot:\n%swant:\n%s", path, got, want)
	}
}

// The wiring a plan read back from what runs hashes as the plan it was
// made from, or every older topology would look changed everywhere.
func TestWiringReadBackHashesTheSame(t *testing.T) {
	for _, f := range []string{"star", "ring", "bus", "p2p", "client-server", "custom"} {
		p := planFile(t, filepath.Join("..", "topologies", f+".yaml"), nil)
		back := readBack(t, p)
		made, _ := runningOf(p, &observed{})
		read, _ := runningOf(back, &observed{})
		for _, n := range slices.Sorted(maps.Keys(made.nodes)) {
			if made.nodes[n][partWiring] != read.nodes[n][partWiring] {
				a, _ := json.Marshal(wiringOf(p, must(p.Node(n)), nil))
				b, _ := json.Marshal(wiringOf(back, must(back.Node(n)), nil))
				t.Errorf("%s: node %s's wiring read back hashes otherwise:\nmade %s\nread %s", f, n, a, b)
			}
		}
	}
}

func must(n *topology.PlanNode, ok bool) *topology.PlanNode {
	if !ok {
		panic("no node")
	}
	return n
}

// A label of another version, or none, is not read as parts.
func TestParseParts(t *testing.T) {
	p := parts{partImage: "abc", partRole: "def"}
	if got, ok := parseParts(p.String()); !ok || !maps.Equal(got, p) {
		t.Errorf("parts %q read back as %v, %v", p, got, ok)
	}
	for _, s := range []string{"", "v=2 image=abc", "image=abc", "v=1 image", "v=1 =x"} {
		if _, ok := parseParts(s); ok {
			t.Errorf("%q read as parts", s)
		}
	}
}
