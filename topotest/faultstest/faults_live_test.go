package faultstest_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topotest"
)

// eventually polls cond every half second until it holds or a minute
// passes, and fails the test then.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within a minute", what)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// TestIntegrationLinkFaults acts on one star's links at runtime, one
// fault after another, each lifted before the next: a delay, a cut, and a
// restarted node.
func TestIntegrationLinkFaults(t *testing.T) {
	t.Parallel()
	top := up(t, "star.yaml", "fault-star", topotest.WithInterval(0))
	for _, step := range []struct {
		name string
		run  func(*testing.T, *topotest.Topology)
	}{{"delay", checkRuntimeDelay}, {"cut", checkLinkCut}, {"restart", checkRestartedSpoke}, {"pause", checkPausedSpoke}, {"rate", checkRuntimeRate}} {
		if !t.Run(step.name, func(t *testing.T) { step.run(t, top) }) {
			return // a fault left in force would fail the steps after it
		}
	}
}

// checkRuntimeDelay delays a link: the agents' messages across it take
// the delay both ways, and no longer once it is lifted; status shows the
// impairment while it holds.
func checkRuntimeDelay(t *testing.T, top *topotest.Topology) {
	delay := 300 * time.Millisecond
	top.Impair(t, "hub", "spoke1", topotest.Impairment{Delay: delay})
	if r := top.Send(t, "hub", "spoke1", "slowly"); !r.Delivered || r.RTTMs < 2*float64(delay.Milliseconds()) {
		t.Errorf("across the delayed link: %+v, want a round trip of at least %v", r, 2*delay)
	}
	if r := top.Send(t, "hub", "spoke2", "quickly"); !r.Delivered || r.RTTMs >= float64(delay.Milliseconds()) {
		t.Errorf("across another link: %+v, want no delay", r)
	}
	if st := top.Status(t); len(st.Faults) != 1 || st.Faults[0].String() != "link hub–spoke1 impaired: delay=300ms" {
		t.Errorf("status faults: %v", st.Faults)
	}
	top.Impair(t, "hub", "spoke1", topotest.Impairment{})
	if r := top.Send(t, "hub", "spoke1", "quickly again"); !r.Delivered || r.RTTMs >= float64(delay.Milliseconds()) {
		t.Errorf("after the delay is lifted: %+v", r)
	}
}

// checkLinkCut cuts a link and restores it: messages stop crossing it and
// flow again, and status shows the fault while it holds.
func checkLinkCut(t *testing.T, top *topotest.Topology) {
	top.LinkDown(t, "hub", "spoke1")
	if st := top.Status(t); len(st.Faults) != 1 || st.Faults[0].Kind != orchestrator.FaultLinkDown {
		t.Errorf("status faults: %+v", st.Faults)
	}
	if r := top.Send(t, "spoke1", "spoke3", "across a cut link"); r.Delivered {
		t.Errorf("delivered across a cut link: %+v", r)
	}
	top.LinkUp(t, "hub", "spoke1")
	eventually(t, "a message across the restored link", func() bool { return top.Send(t, "spoke1", "spoke3", "again").Delivered })
	if st := top.Status(t); len(st.Faults) != 0 {
		t.Errorf("faults after link up: %+v", st.Faults)
	}
}

// checkRestartedSpoke restarts a spoke: the hub's link to it comes back.
func checkRestartedSpoke(t *testing.T, top *topotest.Topology) {
	top.RestartNode(t, "spoke2")
	eventually(t, "the hub's link to a restarted spoke", func() bool { return top.Send(t, "hub", "spoke2", "welcome back").Delivered })
}

// checkRuntimeRate limits a link's rate, merged into a loss in force: the
// helper puts a tbf on both ends' interfaces in the nodes' namespaces (it
// fails when the kernel refuses one), messages still cross, and lifting
// the rate alone leaves the loss.
func checkRuntimeRate(t *testing.T, top *topotest.Topology) {
	ctx := context.Background()
	o := top.Orchestrator()
	impair := func(opts orchestrator.ImpairOptions) []orchestrator.Fault {
		t.Helper()
		opts.A, opts.B = "hub", "spoke1"
		fs, err := o.Impair(ctx, top.Name, opts)
		if err != nil {
			t.Fatal(err)
		}
		return fs
	}
	impair(orchestrator.ImpairOptions{LossPercent: 0.5})
	if fs := impair(orchestrator.ImpairOptions{Rate: 1e6}); len(fs) != 1 || fs[0].String() != "link hub–spoke1 impaired: loss=0.5% rate=1000000bit/s" {
		t.Errorf("faults after a rate merged into a loss: %v", fs)
	}
	eventually(t, "a message across the shaped link", func() bool { return top.Send(t, "hub", "spoke1", "slow but there").Delivered })
	if fs := impair(orchestrator.ImpairOptions{Lift: []string{"rate"}}); len(fs) != 1 || fs[0].String() != "link hub–spoke1 impaired: loss=0.5%" {
		t.Errorf("faults after the rate is lifted: %v", fs)
	}
	impair(orchestrator.ImpairOptions{Clear: true})
}

// checkPausedSpoke pauses a spoke: the faults in force (and status) list
// it, made by topo; unpausing it lifts that, and unpausing it again says
// in topo's words that it is not paused.
func checkPausedSpoke(t *testing.T, top *topotest.Topology) {
	ctx := context.Background()
	o := top.Orchestrator()
	act := func(a engine.Action) error {
		return o.NodeAction(ctx, top.Name, orchestrator.NodeActionOptions{Action: a, Nodes: []string{"spoke3"}})
	}
	if err := act(engine.ActionPause); err != nil {
		t.Fatal(err)
	}
	st := top.Status(t)
	if len(st.Faults) != 1 || st.Faults[0].Kind != orchestrator.FaultNode || st.Faults[0].State != "paused" ||
		!strings.HasPrefix(st.Faults[0].String(), "node spoke3 paused by topo at ") {
		t.Errorf("status faults of a paused node: %+v", st.Faults)
	}
	if err := act(engine.ActionUnpause); err != nil {
		t.Fatal(err)
	}
	if fs, err := o.Faults(ctx, top.Name); err != nil || len(fs) != 0 {
		t.Errorf("faults after unpause: %v, %v", fs, err)
	}
	if err := act(engine.ActionUnpause); err == nil || err.Error() != "node unpause: node spoke3 is not paused (it is running)" {
		t.Errorf("unpause of a running node: %v", err)
	}
}

// TestIntegrationPartitionUsersSoftware partitions a bus of busybox nodes:
// software cannot cross between the groups, works inside each, and works
// everywhere again after heal.
func TestIntegrationPartitionUsersSoftware(t *testing.T) {
	livetest.Require(t)
	image := livetest.Busybox(t, livetest.Runtime(t))
	file := busyboxTopology(t, image, "bus", "[alpha, bravo, charlie, delta]", "", "")
	top := topotest.Up(t, file, topotest.WithName(livetest.Name(t, "fault-bus")))
	get := func(from, to string) bool {
		code, out := top.Exec(t, from, fetch(3, "http://"+to+":8080/pong")...)
		return code == 0 && strings.TrimSpace(out) == "pong"
	}
	top.Partition(t, []string{"alpha", "bravo"})
	for _, tc := range []struct {
		from, to string
		want     bool
	}{{"alpha", "bravo", true}, {"charlie", "delta", true}, {"alpha", "charlie", false}, {"delta", "bravo", false}} {
		if got := get(tc.from, tc.to); got != tc.want {
			t.Errorf("partitioned: %s → %s reached %v, want %v", tc.from, tc.to, got, tc.want)
		}
	}
	top.Heal(t)
	if !get("alpha", "charlie") || !get("delta", "bravo") {
		t.Error("after heal, the groups still do not reach each other")
	}
	if fs, err := top.Orchestrator().Faults(context.Background(), top.Name); err != nil || len(fs) != 0 {
		t.Errorf("faults after heal: %v, %v", fs, err)
	}
	left, err := top.Orchestrator().Runtime().ListContainers(context.Background(), map[string]string{"topo.helper": top.Name})
	if err != nil || len(left) > 0 {
		t.Errorf("helpers or markers left after heal: %d, %v", len(left), err)
	}
}

// TestIntegrationFaultSchedule runs a file's faults: schedule: each step
// holds at its time and is logged, in order, under the node "faults".
func TestIntegrationFaultSchedule(t *testing.T) {
	t.Parallel()
	livetest.Require(t)
	file := filepath.Join(t.TempDir(), "sched.yaml")
	yaml := "layout: p2p\nnodes: 3\ntraffic: {interval: 0}\nfaults:\n" +
		"  - {at: 1s, link: [peer1, peer2], down: 3s}\n  - {at: 2s, link: [peer2, peer3], delay: 20ms, for: 1s}\n" +
		"  - {at: 5s, node: peer3, action: restart}\n"
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	top := topotest.Up(t, file, topotest.WithName(livetest.Name(t, "sched")))
	start := time.Now()
	eventually(t, "the link down", func() bool {
		fs, err := top.Orchestrator().Faults(context.Background(), top.Name)
		return err == nil && slices.ContainsFunc(fs, func(f orchestrator.Fault) bool { return f.Kind == orchestrator.FaultLinkDown })
	})
	top.WaitSchedule(t)
	if fs, err := top.Orchestrator().Faults(context.Background(), top.Name); err != nil || len(fs) != 0 {
		t.Errorf("faults after the schedule: %v, %v", fs, err)
	}
	var steps []string
	for _, ev := range top.Logs(t, "faults") {
		steps = append(steps, ev.Msg)
		// Each step is logged as it begins: never before its time, and late
		// only by what the steps before it took. They run one after the
		// other, each as long as the engine takes to start its helper,
		// which on a loaded engine is seconds.
		var want time.Duration
		switch {
		case strings.HasPrefix(ev.Msg, "at 1s"):
			want = time.Second
		case strings.HasPrefix(ev.Msg, "at 2s"):
			want = 2 * time.Second
		case strings.HasPrefix(ev.Msg, "lifted: at 2s"):
			want = 3 * time.Second
		case strings.HasPrefix(ev.Msg, "lifted"):
			want = 4 * time.Second
		default:
			want = 5 * time.Second
		}
		if got := ev.Time.Sub(start); got < want-500*time.Millisecond || got > want+15*time.Second {
			t.Errorf("%q logged %v after up, want %v to %v", ev.Msg, got.Round(time.Millisecond), want, want+15*time.Second)
		}
	}
	// The impairment is lifted as the cut is: with no setting but its link
	// (a lift that named its settings was refused, and it stayed).
	impair := "at 2s: link peer2–peer3 impaired: delay=20ms for 1s"
	want := []string{"at 1s: link peer1–peer2 down for 3s", impair, "lifted: " + impair,
		"lifted: at 1s: link peer1–peer2 down for 3s", "at 5s: restart peer3"}
	if !slices.Equal(steps, want) {
		t.Errorf("logged steps %q, want %q", steps, want)
	}
	eventually(t, "peer1 and peer2 talk again", func() bool { return top.Send(t, "peer1", "peer2", "back").Delivered })
}

// TestIntegrationRingAndCustomCuts: a ring with a cut link reports it and
// resumes when it heals; on a custom graph, only the cut link stops.
func TestIntegrationRingAndCustomCuts(t *testing.T) {
	t.Run("ring", func(t *testing.T) {
		t.Parallel()
		top := up(t, "ring.yaml", "cut-ring", topotest.WithInterval(0))
		top.LinkDown(t, "node2", "node3")
		eventually(t, "node2's link to node3 down", func() bool {
			for _, n := range top.Status(t).Nodes {
				for _, l := range n.Links {
					if n.Name == "node2" && l.Neighbor == "node3" && l.State == "down" {
						return true
					}
				}
			}
			return false
		})
		if r := top.Send(t, "node1", "node4", "around a cut ring"); r.Delivered {
			t.Errorf("delivered around a cut ring: %+v", r)
		}
		top.LinkUp(t, "node2", "node3")
		eventually(t, "the ring mends", func() bool { return top.Send(t, "node1", "node4", "again").Delivered })
	})
	t.Run("custom", func(t *testing.T) {
		t.Parallel()
		top := up(t, "custom.yaml", "cut-custom", topotest.WithInterval(0))
		a, b := top.Plan.Segments[0].Members[0], top.Plan.Segments[0].Members[1]
		top.LinkDown(t, a, b)
		eventually(t, "the cut link", func() bool { return !top.Send(t, a, b, "across the cut").Delivered })
		for _, s := range top.Plan.Segments[1:] {
			if len(s.Members) == 2 && !top.Send(t, s.Members[0], s.Members[1], "elsewhere").Delivered {
				t.Errorf("%s → %s fails, but only %s–%s is cut", s.Members[0], s.Members[1], a, b)
			}
		}
		top.LinkUp(t, a, b)
		eventually(t, "the link back", func() bool { return top.Send(t, a, b, "again").Delivered })
	})
}
