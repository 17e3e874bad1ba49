package orchestrator_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
)

func TestFormatLogText(t *testing.T) {
	ts := time.Date(2026, 11, 21, 5, 6, 44, 525000000, time.UTC)
	clock := ts.Local().Format("15:04:05.000")
	tests := []struct{ in, want string }{
		{`{"time":"2026-11-21T05:06:44.525Z","level":"INFO","msg":"delivered from spoke4","node":"spoke2","event":"deliver","peer":"spoke4","id":"c2","bytes":64}`,
			clock + " deliver delivered from spoke4 bytes=64 id=c2 peer=spoke4"},
		{`{"time":"2026-11-21T05:06:44.525Z","msg":"token","event":"token"}`, clock + " token"},
		{`not json at all`, `not json at all`},
		{`{"msg":"no time"}`, `no time`},
	}
	for _, tt := range tests {
		if got := orchestrator.FormatLogText(tt.in); got != tt.want {
			t.Errorf("FormatLogText(%s)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

// TestLogsMergeInTimeOrder: lines of several nodes come out in time order,
// read to the end or followed.
func TestLogsMergeInTimeOrder(t *testing.T) {
	f := newFake()
	o := fakeOrchestrator(f)
	ctx := context.Background()
	if _, err := o.Up(ctx, parse(t, "name: lg\nlayout: p2p\nnodes: 2\n"), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	cs, _ := f.ListContainers(ctx, nil)
	for _, c := range cs {
		// peer1 wrote at :01 and :03, peer2 at :02: each stream is in order,
		// the streams are not.
		switch c.Labels[engine.LabelNode] {
		case "peer1":
			f.logs[c.ID] = "2026-11-21T05:00:01Z one\n2026-11-21T05:00:03Z three\n"
		case "peer2":
			f.logs[c.ID] = "2026-11-21T05:00:02Z two\n"
		}
	}
	want := []string{"peer1 one", "peer2 two", "peer1 three"}
	for _, follow := range []bool{false, true} {
		var got []string
		ctx, cancel := context.WithCancel(context.Background())
		err := o.Logs(ctx, "lg", orchestrator.LogsOptions{Follow: follow}, func(l orchestrator.LogLine) error {
			got = append(got, l.Node+" "+l.Text)
			if len(got) == len(want) {
				cancel()
			}
			return nil
		})
		cancel()
		if err != nil {
			t.Fatalf("follow %v: %v", follow, err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("follow %v: %q, want %q", follow, got, want)
		}
	}
}
