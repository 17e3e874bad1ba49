package faultstest_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/topotest"
)

// TestIntegrationOneWayAgents cuts what the hub sends spoke1 on a star
// whose agents speak UDP, under background traffic: the hub's messages to
// spoke1 are dropped as link_down at the hub, spoke1's still reach the hub
// and are delivered there, both ends' status says one-way, the fault reads
// hub→spoke1; once lifted, the books balance: every message delivered or
// dropped exactly once.
func TestIntegrationOneWayAgents(t *testing.T) {
	t.Parallel()
	livetest.Require(t)
	file := filepath.Join(t.TempDir(), "oneway.yaml")
	if err := os.WriteFile(file, []byte("layout: star\nnodes: 3\ntraffic: {protocol: udp, interval: 100ms}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	top := topotest.Up(t, file, topotest.WithName(livetest.Name(t, "oneway")))
	top.LinkDown(t, "hub", "spoke1", topotest.From("hub"))
	cutAt := time.Now()
	if st := top.Status(t); len(st.Faults) != 1 || st.Faults[0].String() != "link hub→spoke1 down" {
		t.Errorf("status faults: %v", st.Faults)
	}
	eventually(t, "both ends say one-way", func() bool {
		n := 0
		for _, nd := range top.Status(t).Nodes {
			for _, l := range nd.Links {
				if (nd.Name == "hub" && l.Neighbor == "spoke1" || nd.Name == "spoke1" && l.Neighbor == "hub") && l.State == agent.LinkOneWay {
					n++
				}
			}
		}
		return n == 2
	})
	if r := top.Send(t, "hub", "spoke1", "into the cut"); r.Delivered || r.Reason != agent.ReasonLinkDown {
		t.Errorf("hub → spoke1 across the cut way: %+v, want dropped as link_down", r)
	}
	// spoke1's own message to the hub is delivered there; its receipt
	// cannot come back, so spoke1 hears of no delivery.
	r := top.Send(t, "spoke1", "hub", "the other way")
	t.Logf("spoke1 → hub: %+v", r)
	eventually(t, "spoke1's messages delivered and forwarded at the hub", func() bool {
		delivered, forwarded := false, false
		for _, ev := range top.Logs(t, "hub") {
			switch {
			case ev.Event == agent.EvDeliver && ev.ID == r.ID:
				delivered = true
			case ev.Event == agent.EvForward && ev.Fields["from"] == "spoke1" && ev.Time.After(cutAt.Add(time.Second)):
				forwarded = true
			}
		}
		return delivered && forwarded
	})
	for _, ev := range top.Logs(t, "spoke1") {
		if ev.Event == agent.EvDeliver && ev.Peer == "hub" && ev.Time.After(cutAt.Add(time.Second)) {
			t.Errorf("spoke1 delivered the hub's message %s across the cut way", ev.ID)
		}
	}
	top.LinkUp(t, "hub", "spoke1")
	eventually(t, "hub → spoke1 again", func() bool { return top.Send(t, "hub", "spoke1", "back").Delivered })
	top.Settle(t, time.Minute)
	acc := top.Account(t)
	t.Logf("books: %v", acc)
	if acc.Dropped[agent.ReasonLinkDown] == 0 {
		t.Errorf("nothing dropped as link_down: %v", acc.Dropped)
	}
	for _, ev := range acc.Missing {
		t.Errorf("message %s from %s to %s neither delivered nor dropped", ev.ID, ev.Node, ev.Peer)
	}
	if len(acc.Twice) > 0 {
		t.Errorf("counted twice: %v", acc.Twice)
	}
}

// TestIntegrationOneWayUsersSoftware cuts what alpha sends bravo, two
// busybox nodes: bravo's pings still reach alpha (alpha's kernel counts
// the echo requests; the replies are lost), alpha's no longer reach bravo,
// and TCP, which needs both ways, fails; once lifted, both ways work.
func TestIntegrationOneWayUsersSoftware(t *testing.T) {
	livetest.Require(t)
	image := livetest.Busybox(t, livetest.Runtime(t))
	file := busyboxTopology(t, image, "p2p", "[alpha, bravo]", "", "")
	top := topotest.Up(t, file, topotest.WithName(livetest.Name(t, "oneway-bb")))
	ping := func(from, to string) bool {
		code, _ := top.Exec(t, from, "/bin/busybox", "ping", "-c", "3", "-W", "1", to)
		return code == 0
	}
	if !ping("bravo", "alpha") || !ping("alpha", "bravo") {
		t.Fatal("the nodes do not ping each other before any fault")
	}
	top.LinkDown(t, "alpha", "bravo", topotest.From("alpha"))
	for _, tc := range []struct {
		from, to string
		arrive   bool
	}{{"bravo", "alpha", true}, {"alpha", "bravo", false}} {
		before := inEchos(t, top, tc.to)
		if ping(tc.from, tc.to) {
			t.Errorf("%s pinged %s across a link cut one way: a reply came back", tc.from, tc.to)
		}
		if got := inEchos(t, top, tc.to) - before; (got >= 3) != tc.arrive || got > 0 && !tc.arrive {
			t.Errorf("%s → %s: %d echo requests arrived, want them to arrive: %v", tc.from, tc.to, got, tc.arrive)
		}
	}
	if code, out := top.Exec(t, "bravo", fetch(3, "http://alpha:8080/pong")...); code == 0 {
		t.Errorf("TCP across a link cut one way: %q", out)
	}
	top.LinkUp(t, "alpha", "bravo", topotest.From("alpha"))
	if !ping("bravo", "alpha") || !ping("alpha", "bravo") {
		t.Error("after up --from alpha, the nodes do not ping each other")
	}
}

// inEchos is how many ICMP echo requests a node's kernel has had: the
// Icmp InEchos of its network namespace's /proc/net/snmp.
func inEchos(t *testing.T, top *topotest.Topology, node string) int {
	t.Helper()
	code, out := top.Exec(t, node, "/bin/busybox", "cat", "/proc/net/snmp")
	if code != 0 {
		t.Fatalf("read %s's /proc/net/snmp: exit %d: %s", node, code, out)
	}
	var names []string
	for _, line := range strings.Split(out, "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || fields[0] != "Icmp:" {
			continue
		}
		if names == nil {
			names = fields
			continue
		}
		for i, n := range names {
			if n == "InEchos" && i < len(fields) {
				v, err := strconv.Atoi(fields[i])
				if err == nil {
					return v
				}
			}
		}
	}
	t.Fatalf("no Icmp InEchos in %s's /proc/net/snmp:\n%s", node, out)
	return 0
}

// TestIntegrationFileLinkOneWay: a file's link delayed from: one end
// delays what that end sends, not what the other end sends it.
func TestIntegrationFileLinkOneWay(t *testing.T) {
	t.Parallel()
	livetest.Require(t)
	file := filepath.Join(t.TempDir(), "oneway-file.yaml")
	yaml := "layout: custom\nnodes: [a, b]\ntraffic: {interval: 0}\nlinks:\n  - {endpoints: [a, b], delay: 400ms, from: a}\n"
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	top := topotest.Up(t, file, topotest.WithName(livetest.Name(t, "oneway-file")))
	if r := top.Send(t, "a", "b", "slow way"); !r.Delivered || r.OneWayMs < 400 {
		t.Errorf("a → b: %+v, want delivered after 400ms one way", r)
	}
	if r := top.Send(t, "b", "a", "fast way"); !r.Delivered || r.OneWayMs >= 400 {
		t.Errorf("b → a: %+v, want delivered well within 400ms one way", r)
	}
}
