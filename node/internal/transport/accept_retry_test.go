package transport

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
)

// flakyListener fails its first accepts as a process out of file
// descriptors does, then waits until closed.
type flakyListener struct {
	mu     sync.Mutex
	fails  int
	calls  int
	closed chan struct{}
	once   sync.Once
}

func (l *flakyListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	l.calls++
	if l.fails > 0 {
		l.fails--
		l.mu.Unlock()
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: errors.New("accept4: too many open files")}
	}
	l.mu.Unlock()
	<-l.closed
	return nil, net.ErrClosed
}

func (l *flakyListener) Close() error   { l.once.Do(func() { close(l.closed) }); return nil }
func (l *flakyListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

func (l *flakyListener) accepts() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.calls
}

// TestAcceptRetries checks that the segment accept loop (and control.Serve's, see its test)
// outlive accept errors other than a closed listener, and end when the
// listener closes at shutdown.
func TestAcceptRetries(t *testing.T) {
	cfg := &agent.Config{Version: agent.ConfigVersion, Name: "a", Traffic: agent.Traffic{Protocol: "tcp"},
		Segments: []agent.Segment{{Name: "s", Addr: "127.0.0.1"}}}
	a, err := newTestNet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for name, loop := range map[string]func(context.Context, net.Listener) error{
		"segment": func(ctx context.Context, ln net.Listener) error {
			return a.acceptLoop(ctx, &Segment{name: "s", tcp: ln}, func(f func() error) { go f() })
		},
	} {
		t.Run(name, func(t *testing.T) {
			const fails = 4
			ln := &flakyListener{fails: fails, closed: make(chan struct{})}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- loop(ctx, ln) }()
			deadline := time.Now().Add(30 * time.Second)
			for ln.accepts() <= fails {
				select {
				case err := <-done:
					t.Fatalf("accept loop ended after %d accepts: %v", ln.accepts(), err)
				default:
				}
				if time.Now().After(deadline) {
					t.Fatalf("%d accepts after %d failures", ln.accepts(), fails)
				}
				time.Sleep(5 * time.Millisecond)
			}
			cancel()
			_ = ln.Close()
			if err := <-done; err != nil {
				t.Errorf("accept loop at shutdown: %v", err)
			}
		})
	}
}
