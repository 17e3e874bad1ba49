package orchestrator_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
)

// TestLogsFollowRejoins: following every node, a node that stops is
// streamed again once it runs, from just after its last line; a node
// recreated (a new container) is streamed from its start; and the follow
// ends once the topology is gone.
func TestLogsFollowRejoins(t *testing.T) {
	defer func(was time.Duration) { *orchestrator.FollowRejoinEvery = was }(*orchestrator.FollowRejoinEvery)
	*orchestrator.FollowRejoinEvery = 10 * time.Millisecond
	f := newFake()
	r := &streamingRuntime{fakeRuntime: f, streams: map[string]*io.PipeWriter{}, opts: map[string]engine.LogOptions{}, opened: make(chan string, 4)}
	o := orchestrator.New(r, orchestrator.WithNodeImage(func(context.Context) (string, error) { return "topo-node:fake", nil }))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := o.Up(ctx, parse(t, "name: rj\nlayout: p2p\nnodes: 2\n"), orchestrator.UpOptions{}); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 10)
	done := make(chan error, 1)
	go func() {
		done <- o.Logs(ctx, "rj", orchestrator.LogsOptions{Follow: true, Tail: orchestrator.TailNone}, func(l orchestrator.LogLine) error {
			lines <- l.Node + " " + l.Text
			return nil
		})
	}()
	opened := func(want string) {
		t.Helper()
		select {
		case got := <-r.opened:
			if got != want {
				t.Fatalf("stream of %s opened, want %s", got, want)
			}
		case <-ctx.Done():
			t.Fatalf("no stream of %s opened", want)
		}
	}
	line := func(want string) {
		t.Helper()
		select {
		case got := <-lines:
			if got != want {
				t.Fatalf("line %q, want %q", got, want)
			}
		case <-ctx.Done():
			t.Fatalf("no line %q", want)
		}
	}
	<-r.opened
	<-r.opened
	r.write(t, "peer1", "before the stop")
	line("peer1 before the stop")

	// peer1 stops: its stream ends; nothing is streamed while it is stopped.
	setState(f, "peer1", "exited")
	closeStream(r, "peer1")
	select {
	case n := <-r.opened:
		t.Fatalf("%s streamed again while stopped", n)
	case <-time.After(100 * time.Millisecond):
	}
	setState(f, "peer1", "running")
	opened("peer1")
	if since, want := streamOpts(r, "peer1").Since, stamp.Add(time.Nanosecond); !since.Equal(want) {
		t.Errorf("peer1 streamed again since %v, want just after its last line (%v)", since, want)
	}
	r.write(t, "peer1", "after the start")
	line("peer1 after the start")

	// peer2 is made anew, as up recreates a node: its new container is
	// streamed from its start.
	recreate(t, f, "peer2")
	closeStream(r, "peer2")
	opened("peer2")
	if o := streamOpts(r, "peer2"); !o.Since.IsZero() || o.Tail != "" {
		t.Errorf("a new container streamed with %+v, want its whole log", o)
	}

	// The topology goes: the follow ends.
	for _, id := range fakeContainerIDs(f) {
		_ = f.RemoveContainer(ctx, id)
	}
	closeStream(r, "peer1")
	closeStream(r, "peer2")
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("follow of a topology that went: %v, want nil", err)
		}
	case <-ctx.Done():
		t.Fatal("the follow went on after the topology was gone")
	}
}

// stamp is the engine's time on every line streamingRuntime writes.
var stamp = time.Date(2026, 11, 21, 5, 0, 1, 0, time.UTC)

func setState(f *fakeRuntime, node, state string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.containers {
		if c.Labels[engine.LabelNode] == node {
			c.State = state
		}
	}
}

// recreate gives node's container a new ID, as a remove and create do.
func recreate(t *testing.T, f *fakeRuntime, node string) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for id, c := range f.containers {
		if c.Labels[engine.LabelNode] == node {
			delete(f.containers, id)
			c.ID = id + "-new"
			f.containers[c.ID] = c
			return
		}
	}
	t.Fatalf("no container of %s", node)
}

func fakeContainerIDs(f *fakeRuntime) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for id := range f.containers {
		ids = append(ids, id)
	}
	return ids
}

func closeStream(r *streamingRuntime, node string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	_ = r.streams[node].Close()
}

func streamOpts(r *streamingRuntime, node string) engine.LogOptions {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.opts[node]
}
