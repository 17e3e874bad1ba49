package orchestrator_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
)

func TestFormatLogText(t *testing.T) {
	ts := time.Date(2026, 11, 21, 5, 6, 44, 525000000, time.UTC)
	clock := ts.Local().Format("15:04:05.000")
	tests := []struct{ in, want string }{
		{`{"time":"2026-11-21T05:06:44.525Z","level":"INFO","msg":"delivered from spoke4","node":"spoke2","event":"deliver","peer":"spoke4","id":"c2","bytes":64}`,
			clock + " delivered from spoke4 bytes=64 id=c2 peer=spoke4"}, // the event once: the message names it
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

// tailingRuntime is the fake engine, honouring LogOptions.Tail as Docker
// does: a number of lines from the end, "0" for none, "" or "all" for all.
type tailingRuntime struct{ *fakeRuntime }

func (r tailingRuntime) Logs(ctx context.Context, id string, opts engine.LogOptions) (io.ReadCloser, error) {
	if opts.Follow && !opts.Timestamps {
		return r.fakeRuntime.Logs(ctx, id, opts) // up's wait for the ready event
	}
	r.mu.Lock()
	text := r.logs[id]
	r.mu.Unlock()
	if n, err := strconv.Atoi(opts.Tail); err == nil {
		lines := strings.SplitAfter(text, "\n")
		if lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		text = strings.Join(lines[max(len(lines)-n, 0):], "")
	}
	if !opts.Follow {
		return io.NopCloser(strings.NewReader(text)), nil
	}
	pr, pw := io.Pipe()
	go func() {
		_, _ = io.WriteString(pw, text)
		<-ctx.Done()
		pw.CloseWithError(ctx.Err())
	}()
	return pr, nil
}

// agentLine is a line the agent of node writes, as the engine returns it:
// stamped with the time the engine received it.
func agentLine(received, at, node, event, id string) string {
	return fmt.Sprintf(`%s {"time":"%s","level":"INFO","msg":"%s","node":"%s","event":"%s","id":"%s"}`+"\n", received, at, event, node, event, id)
}

// logsTopology brings up a p2p pair on a fake engine whose logs follow
// Docker's tail, with peer1's and peer2's logs as given.
func logsTopology(t *testing.T, peer1, peer2 string) *orchestrator.Orchestrator {
	t.Helper()
	f := newFake()
	o := orchestrator.New(tailingRuntime{f}, orchestrator.WithNodeImage(func(context.Context) (string, error) { return "topo-node:fake", nil }))
	ctx := context.Background()
	if _, err := o.Up(ctx, parse(t, "name: lg\nlayout: p2p\nnodes: 2\n"), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	cs, _ := f.ListContainers(ctx, nil)
	for _, c := range cs {
		switch c.Labels[engine.LabelNode] {
		case "peer1":
			f.logs[c.ID] = peer1
		case "peer2":
			f.logs[c.ID] = peer2
		}
	}
	return o
}

// collect runs Logs and returns "node event id" per line (the text of a
// line that is not the agent's); following, it stops after want lines.
func collect(t *testing.T, o *orchestrator.Orchestrator, opts orchestrator.LogsOptions, want int) []string {
	t.Helper()
	got := []string{}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	err := o.Logs(ctx, "lg", opts, func(l orchestrator.LogLine) error {
		ev := agent.ParseEvent(l.Node, l.Text)
		s := l.Node + " " + l.Text
		if ev.Fields != nil {
			s = l.Node + " " + ev.Event + " " + ev.ID
		}
		got = append(got, s)
		if opts.Follow && len(got) == want {
			cancel()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestLogsOrderByAgentTime: the engine received peer2's delivery before
// peer1's send (its stream was slower), but the agents' own times, which
// are the times printed, say the send came first; lines that are not the
// agent's keep the engine's time.
func TestLogsOrderByAgentTime(t *testing.T) {
	peer1 := agentLine("2026-11-21T05:00:01.900Z", "2026-11-21T05:00:01.000Z", "peer1", "send", "m1") +
		"2026-11-21T05:00:01.500Z plain words\n"
	peer2 := agentLine("2026-11-21T05:00:01.100Z", "2026-11-21T05:00:01.200Z", "peer2", "deliver", "m1")
	o := logsTopology(t, peer1, peer2)
	want := []string{"peer1 send m1", "peer2 deliver m1", "peer1 plain words"}
	for _, follow := range []bool{false, true} {
		if got := collect(t, o, orchestrator.LogsOptions{Follow: follow}, len(want)); !slices.Equal(got, want) {
			t.Errorf("follow %v: %q, want %q", follow, got, want)
		}
	}
}

// TestLogsTailAndFilters: --tail 0 means no lines, as in Docker; --id and
// --event keep the agent's events that match, and a tail counts those.
func TestLogsTailAndFilters(t *testing.T) {
	peer1 := agentLine("2026-11-21T05:00:01Z", "2026-11-21T05:00:01Z", "peer1", "send", "m1") +
		agentLine("2026-11-21T05:00:03Z", "2026-11-21T05:00:03Z", "peer1", "send", "m2") +
		agentLine("2026-11-21T05:00:04Z", "2026-11-21T05:00:04Z", "peer1", "receipt", "m1") +
		"2026-11-21T05:00:05Z plain words\n"
	peer2 := agentLine("2026-11-21T05:00:02Z", "2026-11-21T05:00:02Z", "peer2", "deliver", "m1") +
		agentLine("2026-11-21T05:00:04Z", "2026-11-21T05:00:04Z", "peer2", "deliver", "m2")
	o := logsTopology(t, peer1, peer2)
	tests := []struct {
		name string
		opts orchestrator.LogsOptions
		want []string
	}{
		{"all", orchestrator.LogsOptions{Tail: orchestrator.TailAll}, []string{"peer1 send m1", "peer2 deliver m1", "peer1 send m2", "peer1 receipt m1", "peer2 deliver m2", "peer1 plain words"}},
		{"tail 0", orchestrator.LogsOptions{Tail: orchestrator.TailNone}, []string{}},
		{"tail 1", orchestrator.LogsOptions{Tail: 1}, []string{"peer2 deliver m2", "peer1 plain words"}},
		{"id", orchestrator.LogsOptions{ID: "m1"}, []string{"peer1 send m1", "peer2 deliver m1", "peer1 receipt m1"}},
		{"events", orchestrator.LogsOptions{Events: []string{"send", "deliver"}}, []string{"peer1 send m1", "peer2 deliver m1", "peer1 send m2", "peer2 deliver m2"}},
		{"id and event", orchestrator.LogsOptions{ID: "m2", Events: []string{"deliver"}}, []string{"peer2 deliver m2"}},
		{"event, tail 1", orchestrator.LogsOptions{Events: []string{"send"}, Tail: 1}, []string{"peer1 send m2"}},
		{"unknown id", orchestrator.LogsOptions{ID: "nope"}, []string{}},
	}
	for _, tt := range tests {
		if got := collect(t, o, tt.opts, 0); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	// Following, the filters hold too.
	want := []string{"peer1 send m2", "peer2 deliver m2"}
	if got := collect(t, o, orchestrator.LogsOptions{Follow: true, ID: "m2"}, len(want)); !slices.Equal(got, want) {
		t.Errorf("follow --id m2: %q, want %q", got, want)
	}
}

// TestLogsSkipAHostThatIsDown: the log of a node whose host is down is
// left out, with a warning naming it, and the others are read; logs of
// only such nodes is an error.
func TestLogsSkipAHostThatIsDown(t *testing.T) {
	f := newFake()
	var warned strings.Builder
	o := orchestrator.New(f, orchestrator.WithNodeImage(func(context.Context) (string, error) { return "topo-node:fake", nil }),
		orchestrator.WithLogger(slog.New(slog.NewTextHandler(&warned, nil))))
	ctx := context.Background()
	if _, err := o.Up(ctx, parse(t, "name: lg\nlayout: p2p\nnodes: 2\n"), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	for _, c := range f.containers {
		f.logs[c.ID] = "2026-11-21T05:00:01Z from " + c.Labels[engine.LabelNode] + "\n"
		if c.Labels[engine.LabelNode] == "peer2" {
			c.Host, c.HostDown = "h2", true
		}
	}
	f.mu.Unlock()
	var got []string
	err := o.Logs(ctx, "lg", orchestrator.LogsOptions{}, func(l orchestrator.LogLine) error {
		got = append(got, l.Text)
		return nil
	})
	if err != nil || !slices.Equal(got, []string{"from peer1"}) || !strings.Contains(warned.String(), "node=peer2 host=h2") {
		t.Errorf("logs with peer2's host down: %q, %v, warned %q; want peer1's only, and peer2 named", got, err, warned.String())
	}
	err = o.Logs(ctx, "lg", orchestrator.LogsOptions{Nodes: []string{"peer2"}}, func(orchestrator.LogLine) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "peer2: on a host that is down") {
		t.Errorf("logs of peer2 alone, its host down: %v", err)
	}
}
