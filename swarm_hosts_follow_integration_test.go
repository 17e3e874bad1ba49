package topo_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/orchestrator"
)

// follow is a `topo logs -f` of a topology (new lines only), run beside a
// test's checks.
type follow struct {
	stop  context.CancelFunc
	done  chan error
	mu    sync.Mutex
	lines []orchestrator.LogLine
}

func startFollow(ctx context.Context, o *orchestrator.Orchestrator, name string) *follow {
	fctx, stop := context.WithCancel(ctx)
	f := &follow{stop: stop, done: make(chan error, 1)}
	go func() {
		f.done <- o.Logs(fctx, name, orchestrator.LogsOptions{Follow: true, Tail: orchestrator.TailNone}, func(l orchestrator.LogLine) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.lines = append(f.lines, l)
			return nil
		})
	}()
	return f
}

// saw says whether the follow has emitted a line of message id.
func (f *follow) saw(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, l := range f.lines {
		if agent.ParseEvent(l.Node, l.Text).ID == id {
			return true
		}
	}
	return false
}

// followLostWarning is what the orchestrator warns once a followed node's
// host is down.
const followLostWarning = "logs -f: no more lines from these nodes"

// checkLost checks a follow begun before host lost stopped: it still
// runs, has shown the events of message id (sent by a node elsewhere
// since), and warned once that the lost host's nodes' logs stopped; once
// stopped, it ends without an error.
func (f *follow) checkLost(t *testing.T, ctx context.Context, warned *syncBuffer, lost, id string) {
	t.Helper()
	defer logTook(t, "logs -f with a host lost", time.Now())
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for !(f.saw(id) && strings.Contains(warned.String(), followLostWarning)) {
		select {
		case err := <-f.done:
			t.Fatalf("logs -f ended with host %s down: %v (warnings: %s)", lost, err, warned.String())
		case <-wctx.Done():
			t.Errorf("logs -f with host %s down: saw message %s: %v; warnings: %s", lost, id, f.saw(id), warned.String())
			f.stop()
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
	f.stop()
	select {
	case err := <-f.done:
		if err != nil {
			t.Errorf("logs -f stopped with host %s down: %v, want nil", lost, err)
		}
	case <-wctx.Done():
		t.Errorf("logs -f did not end once stopped, with host %s down", lost)
	}
	var ours []string
	for _, l := range strings.Split(warned.String(), "\n") {
		if strings.Contains(l, followLostWarning) {
			ours = append(ours, l)
		}
	}
	if len(ours) != 1 || !strings.Contains(ours[0], "host="+lost) {
		t.Errorf("logs -f with host %s down warned %q; want once, naming it", lost, ours)
	} else {
		t.Logf("logs -f went on with host %s down, and warned: %s", lost, ours[0])
	}
}

// syncBuffer collects what a logger writes, for a test to read.
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
