package cli

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// countingWriter records each write it is given.
type countingWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
	gate   chan struct{} // when not nil, each write waits for a value
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.gate != nil {
		<-c.gate
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes++
	return c.buf.Write(p)
}

func (c *countingWriter) snapshot() (string, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String(), c.writes
}

func TestLineBatcherKeepsEveryLineInOrder(t *testing.T) {
	out := &countingWriter{}
	w := newLineBatcher(out)
	var want strings.Builder
	for i := range 5000 {
		line := fmt.Sprintf("line %d\n", i)
		want.WriteString(line)
		if _, err := w.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("after close\n")); err != nil {
		t.Fatal(err)
	}
	got, _ := out.snapshot()
	if got != want.String()+"after close\n" {
		t.Fatalf("lines lost or reordered: got %d bytes, want %d", len(got), want.Len()+len("after close\n"))
	}
}

// Lines written while a slow write is under way go out together in the
// next one: that is what saves the wake-ups.
func TestLineBatcherSharesWrites(t *testing.T) {
	out := &countingWriter{gate: make(chan struct{})}
	w := newLineBatcher(out)
	_, _ = w.Write([]byte("first\n")) // the loop takes it and waits at the gate
	deadline := time.Now().Add(5 * time.Second)
	for {
		w.mu.Lock()
		taken := len(w.pending) == 0
		w.mu.Unlock()
		if taken || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	for i := range 100 {
		_, _ = w.Write(fmt.Appendf(nil, "line %d\n", i))
	}
	go func() {
		for range 3 {
			out.gate <- struct{}{}
		}
	}()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, writes := out.snapshot()
	if n := strings.Count(got, "\n"); n != 101 {
		t.Fatalf("wrote %d lines, want 101", n)
	}
	if writes > 2 {
		t.Fatalf("101 lines took %d writes; the 100 queued behind a slow write should share one", writes)
	}
}

// A writer that would pass the bound waits for the flush instead of
// growing the buffer without end.
func TestLineBatcherBoundsWhatItHolds(t *testing.T) {
	out := &countingWriter{gate: make(chan struct{})}
	w := newLineBatcher(out)
	line := bytes.Repeat([]byte("x"), 1024)
	line[len(line)-1] = '\n'
	wrote := make(chan int)
	go func() {
		n := 0
		for range 2 * maxPendingLog / len(line) {
			_, _ = w.Write(line)
			n++
		}
		wrote <- n
	}()
	time.Sleep(200 * time.Millisecond) // the writer fills the buffer, the gate holds the flush
	w.mu.Lock()
	held := len(w.pending)
	w.mu.Unlock()
	if held > maxPendingLog+len(line) {
		t.Fatalf("holds %d bytes, bound %d", held, maxPendingLog)
	}
	close(out.gate)
	if n := <-wrote; n != 2*maxPendingLog/len(line) {
		t.Fatalf("wrote %d lines", n)
	}
	_ = w.Close()
	if got, _ := out.snapshot(); len(got) != 2*maxPendingLog {
		t.Fatalf("got %d bytes, want %d", len(got), 2*maxPendingLog)
	}
}
