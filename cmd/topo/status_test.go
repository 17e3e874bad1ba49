package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/topo-dev/topo/orchestrator"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update after reading the diff)\n got:\n%s\nwant:\n%s", p, got, want)
	}
}

// testApp is an app that writes stdout and stderr to one buffer and has
// nothing on stdin.
func testApp() (*app, *bytes.Buffer) {
	var out bytes.Buffer
	return &app{stdout: &out, stderr: &out, stdin: strings.NewReader("")}, &out
}

// starStatus is the status of a star of ten, whose hub has the long
// lines: an address on each of nine segments, nine neighbours.
func starStatus() *orchestrator.Status {
	st := &orchestrator.Status{Name: "star", Layout: "star"}
	hub := orchestrator.NodeStatus{Name: "hub", Role: "hub", Container: "star-hub", State: "running", Ready: true, Addresses: map[string]string{}}
	for i := 1; i <= 9; i++ {
		sp := fmt.Sprintf("spoke%d", i)
		seg := "hub-" + sp
		st.Segments = append(st.Segments, orchestrator.SegmentStatus{Name: seg, Network: "star-" + seg,
			Subnet: fmt.Sprintf("10.210.0.%d/29", 8*(i-1)), Members: []string{"hub", sp}})
		hub.Addresses[seg] = fmt.Sprintf("10.210.0.%d", 8*(i-1)+2)
		hub.Neighbors = append(hub.Neighbors, sp)
		n := orchestrator.NodeStatus{Name: sp, Role: "spoke", Container: "star-" + sp, State: "running", Ready: true,
			Addresses: map[string]string{seg: fmt.Sprintf("10.210.0.%d", 8*(i-1)+3)}, Neighbors: []string{"hub"}}
		n.Stats.Originated, n.Stats.Delivered, n.Stats.Dropped = 12345, 12000, uint64(i)
		switch sp {
		case "spoke4":
			n.State, n.Ready, n.ExitCode = "exited", false, 137
		case "spoke5":
			n.Error = "exec /topo-node stats: context deadline exceeded while asking the agent"
		}
		st.Nodes = append(st.Nodes, n)
	}
	hub.Stats.Forwarded, hub.Stats.Dropped = 98765, 12
	st.Nodes = append([]orchestrator.NodeStatus{hub}, st.Nodes...)
	st.Faults = []orchestrator.Fault{{Kind: orchestrator.FaultLinkDown, Nodes: []string{"hub", "spoke1"}}}
	return st
}

// busStatus is the status of a bus of twelve: one shared segment, each
// node a neighbour of every other.
func busStatus() *orchestrator.Status {
	st := &orchestrator.Status{Name: "office-bus", Layout: "bus"}
	seg := orchestrator.SegmentStatus{Name: "bus", Network: "office-bus-bus", Subnet: "10.210.0.0/28"}
	for i := 1; i <= 12; i++ {
		seg.Members = append(seg.Members, fmt.Sprintf("node%d", i))
	}
	st.Segments = []orchestrator.SegmentStatus{seg}
	for i, name := range seg.Members {
		n := orchestrator.NodeStatus{Name: name, State: "running", Ready: true, Addresses: map[string]string{"bus": fmt.Sprintf("10.210.0.%d", i+2)}}
		n.Neighbors = slices.DeleteFunc(slices.Clone(seg.Members), func(m string) bool { return m == name })
		n.Stats.Originated, n.Stats.Ignored = 321, 3531
		st.Nodes = append(st.Nodes, n)
	}
	return st
}

// TestPrintStatus: the table fits 100 columns, addresses one per line and
// neighbours wrapped; --wide keeps each node on one line.
func TestPrintStatus(t *testing.T) {
	for _, tc := range []struct {
		name string
		st   *orchestrator.Status
		wide bool
	}{{"star", starStatus(), false}, {"star-wide", starStatus(), true}, {"bus", busStatus(), false}, {"star-hosts", onHosts(starStatus()), false}} {
		a, out := testApp()
		printStatus(a, tc.st, tc.wide)
		golden(t, "status-"+tc.name+".txt", out.String())
		if tc.wide {
			continue
		}
		for _, l := range strings.Split(out.String(), "\n") {
			if n := utf8.RuneCountInString(l); n > statusWidth {
				t.Errorf("%s: a line of %d columns, more than %d:\n%s", tc.name, n, statusWidth, l)
			}
		}
	}
	a, out := testApp()
	printStatus(a, &orchestrator.Status{Name: "one", Layout: "custom", Nodes: []orchestrator.NodeStatus{{Name: "a"}},
		Segments: []orchestrator.SegmentStatus{{Name: "s"}}}, false)
	if !strings.HasPrefix(out.String(), "one (custom, 1 node, 1 segment)\n") {
		t.Errorf("one node, one segment:\n%s", out.String())
	}
}

// onHosts puts a status's nodes on three hosts in turn, as a swarm of
// three engines shows them: status then has a HOST column.
func onHosts(st *orchestrator.Status) *orchestrator.Status {
	for i := range st.Nodes {
		st.Nodes[i].Host = []string{"vm", "topomh1", "topomh2"}[i%3]
	}
	st.Nodes[2].HostDown = true // spoke2's host stopped answering
	return st
}

// TestStatusElidesAddresses: when even one neighbour a line does not
// leave room, the addresses give up the end of their segment names.
func TestStatusElidesAddresses(t *testing.T) {
	st := starStatus()
	st.Nodes[4].OOMKilled = true // spoke4: exited (OOM killed)
	a, out := testApp()
	printStatus(a, st, false)
	if !strings.Contains(out.String(), "10.210.0.10 (hub-…)  spoke2,") {
		t.Errorf("no address cut short:\n%s", out.String())
	}
	for _, l := range strings.Split(out.String(), "\n") {
		if n := utf8.RuneCountInString(l); n > statusWidth {
			t.Errorf("a line of %d columns, more than %d:\n%s", n, statusWidth, l)
		}
	}
}

func TestPlural(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{{0, "0 hops"}, {1, "1 hop"}, {2, "2 hops"}} {
		if got := plural(tc.n, "hop", "hops"); got != tc.want {
			t.Errorf("plural(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestWrapList(t *testing.T) {
	got := wrapList([]string{"spoke1", "spoke2", "spoke3", "spoke4", "a-very-long-name-indeed"}, 16)
	want := []string{"spoke1,spoke2,", "spoke3,spoke4,", "a-very-long-name-indeed"}
	if !slices.Equal(got, want) {
		t.Errorf("wrapList: %q, want %q", got, want)
	}
	if got := elideAddress("10.210.0.10 (hub-spoke2)", 20); got != "10.210.0.10 (hub-s…)" {
		t.Errorf("elideAddress: %q", got)
	}
}

// A node of a big bus names a dozen neighbours and counts the rest, and a
// status read from the agents' stats events says how old they are.
func TestStatusOfALargeTopology(t *testing.T) {
	st := busStatus()
	for i := 13; i <= 60; i++ {
		st.Nodes[0].Neighbors = append(st.Nodes[0].Neighbors, fmt.Sprintf("node%d", i))
	}
	st.Nodes[0].StatsAt = time.Now().Add(-3 * time.Second)
	a, out := testApp()
	printStatus(a, st, false)
	if !strings.Contains(out.String(), "+48 more") || strings.Contains(out.String(), "node60") {
		t.Errorf("59 neighbours, not counted past a dozen:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "stats of 1 node as their agents logged them, at most 3s ago") {
		t.Errorf("no note of stats read from logs:\n%s", out.String())
	}
}
