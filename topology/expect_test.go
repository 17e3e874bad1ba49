package topology

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// TestExpectDecodes: every form of expect: a file may write decodes to
// exactly these expectations, named steps resolved to offsets, defaults
// filled in and names made for those without one.
func TestExpectDecodes(t *testing.T) {
	top, err := Load("testdata/valid-expect.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := time.Second
	ms := time.Millisecond
	tcp := func(node string, port int) *Target { return &Target{Kind: ProbeTCP, Node: node, Port: port} }
	agent := &Target{Kind: ProbeNode, Node: "spoke3"}
	want := []Expectation{
		{Name: "web answers through the hub", Pos: Pos{15, 5}, From: "spoke1", Reach: tcp("web", 80),
			Within: &LatencyBound{Percentile: 50, Max: 200 * ms}, During: &Window{From: 0, To: 10 * s, Text: "[0s, 10s]"}},
		{Name: "spoke1 does not reach spoke3 during [at: cut-hub-spoke3, +2s]", Pos: Pos{20, 5}, From: "spoke1", Reach: agent, Fails: true,
			During: &Window{From: 5 * s, To: 7 * s, Text: "[at: cut-hub-spoke3, +2s]"}},
		{Name: "spoke1 reaches spoke3 again within 5s after cut-hub-spoke3", Pos: Pos{24, 5}, From: "spoke1", Reach: agent,
			Recovery: &Recovery{Step: "cut-hub-spoke3", Lifted: 9 * s, Within: 5 * s}},
		{Name: "accounting balanced", Pos: Pos{28, 5}, Accounting: AccountingBalanced},
		{Name: `hub logs "got connection from" (>= 3 lines)`, Pos: Pos{29, 5},
			Logs: &LogExpectation{Node: "hub", Contains: "got connection from", Count: Count{">=", 3}}},
		{Name: `spoke1 logs "received" (== 2 lines)`, Pos: Pos{30, 5},
			Logs: &LogExpectation{Node: "spoke1", Contains: "received", Count: Count{"==", 2}}},
		{Name: `spoke2 logs "Thank you" (>= 1 lines)`, Pos: Pos{31, 5},
			Logs: &LogExpectation{Node: "spoke2", Contains: "Thank you", Count: Count{">=", 1}}},
		{Name: "web runs /bin/busybox wget -qO- http://web/health, exit 0", Pos: Pos{32, 5},
			Run: &RunExpectation{Node: "web", Command: []string{"/bin/busybox", "wget", "-qO-", "http://web/health"}}},
		{Name: "web runs false, exit 1", Pos: Pos{33, 5}, Run: &RunExpectation{Node: "web", Command: []string{"false"}, Exit: 1}},
		{Name: "spoke2 reaches http://web:8080/health?full=1 within 1s (p95) during cut-hub-spoke3", Pos: Pos{34, 5}, From: "spoke2",
			Reach:  &Target{Kind: ProbeHTTP, Node: "web", Port: 8080, Path: "/health?full=1", Status: 204, Body: "ok"},
			Within: &LatencyBound{Percentile: 95, Max: s}, During: &Window{From: 5 * s, To: 9 * s, Text: "cut-hub-spoke3"}},
		{Name: "spoke2 reaches http://web:80/ during [lifted: cut-hub-spoke3, 30s]", Pos: Pos{40, 5}, From: "spoke2",
			Reach:  &Target{Kind: ProbeHTTP, Node: "web", Port: 80, Path: "/", Status: 200},
			During: &Window{From: 9 * s, To: 30 * s, Text: "[lifted: cut-hub-spoke3, 30s]"}},
		// The name a check would get is taken by the one written below it.
		{Name: "spoke2 reaches web:443 (2)", Pos: Pos{41, 5}, From: "spoke2", Reach: tcp("web", 443)},
		{Name: "spoke2 reaches udp://spoke3:53 during [at: slow, +500ms]", Pos: Pos{42, 5}, From: "spoke2",
			Reach:  &Target{Kind: ProbeUDP, Node: "spoke3", Port: 53},
			During: &Window{From: 20 * s, To: 20*s + 500*ms, Text: "[at: slow, +500ms]"}},
		{Name: "web reaches icmp://hub", Pos: Pos{43, 5}, From: "web", Reach: &Target{Kind: ProbeICMP, Node: "hub"}},
		{Name: "spoke2 reaches web:443", Pos: Pos{44, 5}, From: "spoke3", Reach: tcp("web", 8443)},
		{Name: "spoke2 reaches web:443 (3)", Pos: Pos{45, 5}, From: "spoke2", Reach: tcp("web", 443)},
	}
	got := top.Expect
	for i := range got {
		got[i].src = expectSrc{}
	}
	if len(got) != len(want) {
		t.Fatalf("%d expectations, want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			g, _ := json.Marshal(got[i])
			w, _ := json.Marshal(want[i])
			t.Errorf("expect[%d]:\n got %s %v\nwant %s %v", i, g, got[i].Pos, w, want[i].Pos)
		}
	}
	var names []string
	for _, f := range top.Faults {
		names = append(names, f.Name)
	}
	if !reflect.DeepEqual(names, []string{"cut-hub-spoke3", "", "slow"}) {
		t.Errorf("step names %q", names)
	}
	for i, x := range top.Expect {
		if x.Timed() != (x.During != nil || x.Recovery != nil) {
			t.Errorf("expect[%d].Timed() = %v", i, x.Timed())
		}
	}
}

// TestExpectDoesNotChangeWhatIsBuilt: expectations and the names of fault
// steps build nothing. A file that adds them hashes as the file without
// (the topo.plan label, so up sees the same version of the file) and plans
// the same networks and containers; a change elsewhere still shows.
func TestExpectDoesNotChangeWhatIsBuilt(t *testing.T) {
	base := "name: lab\nlayout: star\nnodes: [hub, a, b]\nfaults:\n  - {at: 5s, link: [hub, b], down: 4s}\n"
	with := "name: lab\nlayout: star\nnodes: [hub, a, b]\nfaults:\n  - {name: cut, at: 5s, link: [hub, b], down: 4s}\n" +
		"expect:\n  - {from: a, reach: b, fails: true, during: cut}\n  - accounting: balanced\n"
	other := "name: lab\nlayout: star\nnodes: [hub, a, b]\nexpect:\n  - {from: a, reach: b}\n"
	plans := map[string]string{}
	hashes := map[string]string{}
	for name, src := range map[string]string{"base": base, "with": with, "other": other} {
		top, err := Parse(name+".yaml", []byte(src))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		p, err := BuildPlan(top, PlanOptions{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		p.File = ""
		hashes[name], plans[name] = top.Hash(), p.String()
	}
	if hashes["base"] != hashes["with"] {
		t.Error("expect: or a step's name changed the hash")
	}
	if plans["base"] != plans["with"] {
		t.Errorf("expect: or a step's name changed the plan:\n%s\n---\n%s", plans["base"], plans["with"])
	}
	if hashes["base"] == hashes["other"] {
		t.Error("a file without the fault hashes as one with it")
	}
}

// TestExpectValidityCoversExpectations: BuildPlan trusts a loaded topology
// only while it holds what was validated; an expectation changed since is
// validated again.
func TestExpectValidityCoversExpectations(t *testing.T) {
	top, err := Parse("lab.yaml", []byte("layout: star\nnodes: [hub, a, b]\nexpect:\n  - {from: a, reach: b}\n"))
	if err != nil {
		t.Fatal(err)
	}
	hash := top.Hash()
	top.Expect = []Expectation{{Name: "x", From: "a", Reach: &Target{Kind: ProbeNode, Node: "nobody"}}}
	if top.Hash() != hash {
		t.Error("an expectation changed the hash")
	}
	_, err = BuildPlan(top, PlanOptions{})
	if err == nil || err.Error() != `lab.yaml: expect[0].reach: no node "nobody"` {
		t.Errorf("BuildPlan after a change of expect: got %v", err)
	}
}

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Target
	}{
		{"web:80", Target{Kind: ProbeTCP, Node: "web", Port: 80}},
		{"tcp://web:443", Target{Kind: ProbeTCP, Node: "web", Port: 443}},
		{"udp://dns:53", Target{Kind: ProbeUDP, Node: "dns", Port: 53}},
		{"http://web", Target{Kind: ProbeHTTP, Node: "web", Port: 80, Path: "/"}},
		{"http://web:8080/a/b?c=d", Target{Kind: ProbeHTTP, Node: "web", Port: 8080, Path: "/a/b?c=d"}},
		{"icmp://hub", Target{Kind: ProbeICMP, Node: "hub"}},
		{"spoke3", Target{Kind: ProbeNode, Node: "spoke3"}},
	} {
		got, err := parseTarget(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseTarget(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
		// What String writes reads back as the same target.
		if back, err := parseTarget(got.String()); err != nil || back != got {
			t.Errorf("parseTarget(%q.String() = %q) = %+v, %v", tc.in, got.String(), back, err)
		}
	}
}

func TestParseCount(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Count
	}{{"3", Count{"==", 3}}, {">= 3", Count{">=", 3}}, {">=3", Count{">=", 3}}, {"<= 0", Count{"<=", 0}},
		{"> 1", Count{">", 1}}, {"< 2", Count{"<", 2}}, {"== 0", Count{"==", 0}}} {
		got, err := parseCount(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseCount(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "=3", "about 3", "-1", ">= -1", "< 0", "3 or more"} {
		if _, err := parseCount(bad); err == nil {
			t.Errorf("parseCount(%q): want an error", bad)
		}
	}
}

// TestExpectBuiltInGo: a Topology built in Go gets the checks a file's
// expectations get as they are read, and names for those without one.
func TestExpectBuiltInGo(t *testing.T) {
	nodes := []Node{{Name: "hub"}, {Name: "a"}, {Name: "web", Image: "nginx"}}
	faults := []ScheduledFault{{Name: "cut", At: 5 * time.Second, For: 4 * time.Second, Link: []string{"hub", "a"}, Down: true}}
	tcp := &Target{Kind: ProbeTCP, Node: "web", Port: 80}
	for _, tc := range []struct {
		name string
		x    Expectation
		want string // "" for valid
	}{
		{"valid", Expectation{From: "a", Reach: tcp}, ""},
		{"recovery", Expectation{From: "a", Reach: tcp, Recovery: &Recovery{Step: "cut", Lifted: 9 * time.Second, Within: time.Second}}, ""},
		{"two kinds", Expectation{From: "a", Reach: tcp, Accounting: AccountingBalanced}, "expect[0]: give exactly one of Reach, Accounting, Logs or Run"},
		{"no from", Expectation{Reach: tcp}, "expect[0]: a reach check needs From: the node the probe runs from"},
		{"bad port", Expectation{From: "a", Reach: &Target{Kind: ProbeTCP, Node: "web"}}, `expect[0]: reach: "web:0": port "0" is not a number from 1 to 65535`},
		{"fails within", Expectation{From: "a", Reach: tcp, Fails: true, Within: &LatencyBound{50, time.Second}},
			"expect[0]: a target that must not be reached (Fails) has no latency and no recovery"},
		{"empty window", Expectation{From: "a", Reach: tcp, During: &Window{From: time.Second, To: time.Second}}, "expect[0]: during: the window [1s, 1s] is empty"},
		{"unknown step", Expectation{From: "a", Reach: tcp, Recovery: &Recovery{Step: "cat", Lifted: 9 * time.Second, Within: time.Second}},
			`expect[0]: recovery: no fault step named "cat"`},
		{"agent to image", Expectation{From: "a", Reach: &Target{Kind: ProbeNode, Node: "web"}},
			"expect[0].reach: web alone is an agent message, but web runs its own image (image:): reach a port on it, like web:80"},
		{"no command", Expectation{Run: &RunExpectation{Node: "a"}}, "expect[0]: run: the command is empty"},
		{"bad count", Expectation{Logs: &LogExpectation{Node: "a", Contains: "x", Count: Count{"~", 1}}},
			`expect[0]: logs: count "~ 1" never holds or is not one of ==, >=, <=, > or < and a number from 0`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			top := &Topology{Name: "lab", Layout: Star, Nodes: nodes, Faults: faults, Expect: []Expectation{tc.x}}
			_, err := BuildPlan(top, PlanOptions{})
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
			if top.Expect[0].Name != "" {
				t.Error("BuildPlan named the caller's expectation")
			}
		})
	}
	top := &Topology{Name: "lab", Layout: Star, Nodes: nodes, Expect: []Expectation{{From: "a", Reach: tcp}, {From: "a", Reach: tcp}, {Name: "x", Accounting: "balanced"}, {Name: "x", Accounting: "balanced"}}}
	if _, err := BuildPlan(top, PlanOptions{}); err == nil || err.Error() != `expect[3].name: "x" is given twice: give each expectation its own name` {
		t.Errorf("duplicate names: %v", err)
	}
	normalize(top)
	if top.Expect[0].Name != "a reaches web:80" || top.Expect[1].Name != "a reaches web:80 (2)" {
		t.Errorf("names %q, %q", top.Expect[0].Name, top.Expect[1].Name)
	}
}

// TestStepNamesBuiltInGo: a schedule built in Go gets the checks of a
// file's step names.
func TestStepNamesBuiltInGo(t *testing.T) {
	cut := func(name string) ScheduledFault {
		return ScheduledFault{Name: name, At: time.Second, For: time.Second, Link: []string{"hub", "a"}, Down: true}
	}
	top := &Topology{Name: "lab", Layout: Star, Nodes: []Node{{Name: "hub"}, {Name: "a"}},
		Faults: []ScheduledFault{cut("cut"), cut("cut"), cut("Cut_1"), cut("")}}
	_, err := BuildPlan(top, PlanOptions{})
	want := "fault: step \"cut\" is named twice\n" +
		"fault: \"Cut_1\" is not a valid step name: use lowercase letters, digits and dashes, starting and ending with a letter or digit, at most 63 characters"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
