package link

import (
	"context"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
)

// A datagram link runs a write loop only while a frame waits: none while
// idle, one for a frame queued on a link that is down, and none again
// once that frame has expired, dropped as link_down.
func TestDatagramWriteLoopRunsOnlyWhileFramesWait(t *testing.T) {
	a, err := newTestNet(oneLinkConfig("udp"), WithQueue(16, 100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "the links running", a.h.(*stubHost).running.Load)

	l := a.links["b"]
	writer := func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.writer
	}
	if writer() {
		t.Fatal("an idle datagram link runs a write loop")
	}
	if r := l.Enqueue(a.newData("b", []byte("hi"), false)); r != "" {
		t.Fatalf("enqueue: %s", r)
	}
	if !writer() {
		t.Fatal("a frame waits for a link that is down, and no write loop runs to expire it")
	}
	waitFor(t, "the frame dropped as link_down", func() bool {
		return a.Stats().Counters.DroppedByReason[agent.ReasonLinkDown] == 1
	})
	waitFor(t, "the write loop to end", func() bool { return !writer() })
}
