package cli

import (
	"io"
	"sync"
	"time"
)

// maxPendingLog bounds the log bytes a lineBatcher holds: a writer that
// would pass it waits for the flush, so a log storm slows the agent rather
// than losing lines or growing without end.
const maxPendingLog = 256 << 10

// logLinger is how long a lineBatcher waits, after a line comes, before
// it writes: long enough that the wake-ups of a write (the engine's log
// copier, on the same two cores) come after a message's next hops rather
// than among them, and that a burst shares one write; short enough that
// nobody watching sees it.
const logLinger = time.Millisecond

// lineBatcher writes the agent's log lines from a goroutine of its own,
// as many as have gathered in one write. In a container every write to
// stdout wakes the engine's log copier, and a wake-up costs a message's
// hop about what the rest of the hop costs: a forwarding goroutine that
// logs no longer makes that system call itself, and lines that come fast
// (a burst of messages, a big segment's events) share one.
type lineBatcher struct {
	out     io.Writer
	mu      sync.Mutex
	drained *sync.Cond // signalled when a flush has taken the pending lines
	pending []byte
	spare   []byte
	closed  bool
	kick    chan struct{}
	quit    chan struct{}
	exited  chan struct{}
}

func newLineBatcher(out io.Writer) *lineBatcher {
	w := &lineBatcher{out: out, kick: make(chan struct{}, 1), quit: make(chan struct{}), exited: make(chan struct{})}
	w.drained = sync.NewCond(&w.mu)
	go w.loop()
	return w
}

// Write queues p, a whole line (slog writes one per call), and returns.
// After Close it writes p through.
func (w *lineBatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	for len(w.pending) >= maxPendingLog && !w.closed {
		w.drained.Wait()
	}
	if w.closed {
		defer w.mu.Unlock()
		return w.out.Write(p)
	}
	w.pending = append(w.pending, p...)
	w.mu.Unlock()
	select {
	case w.kick <- struct{}{}:
	default: // a flush is already due
	}
	return len(p), nil
}

func (w *lineBatcher) loop() {
	defer close(w.exited)
	for {
		select {
		case <-w.kick:
			select {
			case <-time.After(logLinger):
			case <-w.quit:
			}
			w.flush()
		case <-w.quit:
			return
		}
	}
}

// flush writes the pending lines. A failed write loses them, as a failed
// direct write would: stdout has nowhere else to go.
func (w *lineBatcher) flush() {
	w.mu.Lock()
	b := w.pending
	w.pending, w.spare = w.spare[:0], nil
	w.drained.Broadcast()
	w.mu.Unlock()
	if len(b) > 0 {
		_, _ = w.out.Write(b)
	}
	w.mu.Lock()
	if cap(b) <= maxPendingLog*2 {
		w.spare = b[:0]
	}
	w.mu.Unlock()
}

// Close writes what is pending and stops the goroutine; later lines are
// written through, in order.
func (w *lineBatcher) Close() error {
	close(w.quit)
	<-w.exited
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	w.drained.Broadcast()
	var err error
	if len(w.pending) > 0 {
		_, err = w.out.Write(w.pending)
		w.pending = nil
	}
	return err
}
