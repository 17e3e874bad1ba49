package faults

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/topology"
)

// verbsLog records the verbs a schedule's steps call.
type verbsLog []string

func (v *verbsLog) add(s string) error { *v = append(*v, s); return nil }
func (v *verbsLog) Link(_ context.Context, a, b, from string, down bool) error {
	return v.add(fmt.Sprintf("link %s %s from=%s down=%v", a, b, from, down))
}
func (v *verbsLog) Impair(_ context.Context, o ImpairOptions) error {
	// The orchestrator's Impair checks its options first, as here.
	if err := o.Check(); err != nil {
		return err
	}
	return v.add(fmt.Sprintf("impair %s %s loss=%v clear=%v replace=%v", o.A, o.B, o.LossPercent, o.Clear, o.Replace))
}
func (v *verbsLog) Partition(_ context.Context, gs [][]string) error {
	return v.add(fmt.Sprintf("partition %v", gs))
}
func (v *verbsLog) Heal(context.Context) error { return v.add("heal") }
func (v *verbsLog) NodeAction(_ context.Context, n string, a engine.Action) error {
	return v.add(fmt.Sprintf("%s %s", a, n))
}

// TestSteps checks that a schedule's steps come in time order, each fault
// lifted For after it began (a node action never), and call the verbs a
// fault names.
func TestSteps(t *testing.T) {
	s := time.Second
	sched := []topology.ScheduledFault{
		{At: 5 * s, For: 10 * s, Link: []string{"a", "b"}, Down: true, From: "a"},
		{At: 1 * s, For: 2 * s, Link: []string{"a", "b"}, LossPercent: 10},
		{At: 2 * s, For: 1 * s, Partition: [][]string{{"a"}}},
		{At: 4 * s, Node: "b", Action: "kill"},
	}
	var v verbsLog
	var got []string
	for _, st := range Steps(&v, sched) {
		if err := st.Do(context.Background()); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%v #%d lift=%v: %s", st.At, st.Fault, st.Lift, v[len(v)-1]))
	}
	want := []string{
		"1s #1 lift=false: impair a b loss=10 clear=false replace=true",
		"2s #2 lift=false: partition [[a]]",
		"3s #1 lift=true: impair a b loss=0 clear=true replace=false",
		"3s #2 lift=true: heal",
		"4s #3 lift=false: kill b",
		"5s #0 lift=false: link a b from=a down=true",
		"15s #0 lift=true: link a b from=a down=false",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("steps\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
