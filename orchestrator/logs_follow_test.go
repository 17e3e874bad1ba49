package orchestrator_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/orchestrator"
)

// streamingRuntime is the fake engine whose followed logs are pipes the
// test writes lines into, and breaks, by node.
type streamingRuntime struct {
	*fakeRuntime
	mu      sync.Mutex
	streams map[string]*io.PipeWriter    // by node
	opts    map[string]engine.LogOptions // by node, of its last stream
	opened  chan string                  // a node whose stream opened
}

func (r *streamingRuntime) Logs(ctx context.Context, id string, opts engine.LogOptions) (io.ReadCloser, error) {
	if !opts.Follow || !opts.Timestamps {
		return r.fakeRuntime.Logs(ctx, id, opts)
	}
	r.fakeRuntime.mu.Lock()
	node := r.containers[id].Labels[engine.LabelNode]
	r.fakeRuntime.mu.Unlock()
	pr, pw := io.Pipe()
	r.mu.Lock()
	r.streams[node] = pw
	if r.opts != nil {
		r.opts[node] = opts
	}
	r.mu.Unlock()
	context.AfterFunc(ctx, func() { pw.CloseWithError(ctx.Err()) })
	r.opened <- node
	return pr, nil
}

// write writes a line into node's stream.
func (r *streamingRuntime) write(t *testing.T, node, line string) {
	r.mu.Lock()
	w := r.streams[node]
	r.mu.Unlock()
	if _, err := io.WriteString(w, "2026-11-21T05:00:01Z "+line+"\n"); err != nil {
		t.Fatalf("write to %s's stream: %v", node, err)
	}
}

// TestLogsFollowLosesAHost: following, a node's host goes down, and its
// stream hangs, fails or ends: the follow warns once, naming the host and
// the node, and goes on with the other node until it is stopped.
func TestLogsFollowLosesAHost(t *testing.T) {
	defer func(was time.Duration) { *orchestrator.FollowRejoinEvery = was }(*orchestrator.FollowRejoinEvery)
	*orchestrator.FollowRejoinEvery = 20 * time.Millisecond
	for _, tt := range []struct {
		name   string
		breaks func(w *io.PipeWriter) // what peer2's stream does once its host is down
	}{
		{"the stream hangs", func(*io.PipeWriter) {}},
		{"the stream fails", func(w *io.PipeWriter) { w.CloseWithError(errors.New("unexpected EOF")) }},
		{"the stream ends", func(w *io.PipeWriter) { _ = w.Close() }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			r := &streamingRuntime{fakeRuntime: f, streams: map[string]*io.PipeWriter{}, opened: make(chan string, 2)}
			var warned syncBuffer
			o := orchestrator.New(r, orchestrator.WithNodeImage(func(context.Context) (string, error) { return "topo-node:fake", nil }),
				orchestrator.WithLogger(slog.New(slog.NewTextHandler(&warned, nil))))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := o.Up(ctx, parse(t, "name: lg\nlayout: p2p\nnodes: 2\n"), orchestrator.UpOptions{}); err != nil {
				t.Fatal(err)
			}
			setHost(f, "peer1", "h1", false)
			setHost(f, "peer2", "h2", false)
			lines := make(chan string, 10)
			fctx, stop := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() {
				done <- o.Logs(fctx, "lg", orchestrator.LogsOptions{Follow: true, Tail: orchestrator.TailNone}, func(l orchestrator.LogLine) error {
					lines <- l.Node + " " + l.Text
					return nil
				})
			}()
			<-r.opened
			<-r.opened
			setHost(f, "peer2", "h2", true)
			r.mu.Lock()
			tt.breaks(r.streams["peer2"])
			r.mu.Unlock()
			for !strings.Contains(warned.String(), "host=h2 nodes=peer2") {
				select {
				case err := <-done:
					t.Fatalf("the follow ended once peer2's host was down: %v", err)
				case <-ctx.Done():
					t.Fatalf("no warning that peer2's host is down: %q", warned.String())
				case <-time.After(10 * time.Millisecond):
				}
			}
			r.write(t, "peer1", "still here")
			if got := <-lines; got != "peer1 still here" {
				t.Errorf("followed after the loss: %q, want peer1's line", got)
			}
			time.Sleep(100 * time.Millisecond) // some more looks at the hosts
			select {
			case n := <-r.opened:
				t.Fatalf("%s streamed again while its host is down", n)
			default:
			}
			setHost(f, "peer2", "h2", false) // the host is back
			select {
			case n := <-r.opened:
				if n != "peer2" {
					t.Fatalf("stream of %s opened, want peer2's again", n)
				}
			case <-ctx.Done():
				t.Fatal("peer2 not followed again once its host was back")
			}
			if !strings.Contains(warned.String(), "host is back") {
				t.Errorf("no word that h2 is back: %q", warned.String())
			}
			stop()
			if err := <-done; err != nil {
				t.Errorf("follow stopped: %v, want nil", err)
			}
			if n := strings.Count(warned.String(), "no more lines"); n != 1 {
				t.Errorf("warned %d times, want once: %q", n, warned.String())
			}
		})
	}
}

// setHost puts node's container on host, down or not.
func setHost(f *fakeRuntime, node, host string, down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.containers {
		if c.Labels[engine.LabelNode] == node {
			c.Host, c.HostDown = host, down
		}
	}
}

// syncBuffer is a strings.Builder that a logger and a test share.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
