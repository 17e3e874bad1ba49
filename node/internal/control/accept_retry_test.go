package control

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"log/slog"
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

// TestAcceptRetries checks that the control accept loop
// outlive accept errors other than a closed listener, and end when the
// listener closes at shutdown.
func TestAcceptRetries(t *testing.T) {
	for name, loop := range map[string]func(context.Context, net.Listener) error{
		"control": func(ctx context.Context, ln net.Listener) error {
			return Serve(ctx, ln, idle{}, slog.New(slog.DiscardHandler), func(f func() error) { go f() })
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

// idle is an agent that is never asked anything.
type idle struct{}

func (idle) Send(context.Context, string, string, bool) (agent.Receipt, error) {
	return agent.Receipt{}, nil
}
func (idle) Burst(context.Context, string, string, int) (agent.Receipt, error) {
	return agent.Receipt{}, nil
}
func (idle) Stats() agent.Stats                         { return agent.Stats{} }
func (idle) SetFaults(map[string]agent.LinkFault) error { return nil }
func (idle) SetTraffic(bool)                            {}

func (idle) Reconfigure(context.Context, *agent.Config) (agent.Reconfigured, error) {
	return agent.Reconfigured{}, nil
}
