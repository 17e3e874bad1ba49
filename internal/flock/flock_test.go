package flock

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestExclusiveExcludes(t *testing.T) {
	name := fmt.Sprintf("topo-flock-test-%d.lock", time.Now().UnixNano())
	unlock, err := Exclusive(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	// A second holder (another open file description, as another process
	// would have) must wait, and give up when its context ends.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := Exclusive(ctx, name); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second exclusive lock: %v, want to wait until the deadline", err)
	}
	unlock()
	unlock2, err := Exclusive(context.Background(), name)
	if err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	unlock2()
}

func TestSharedThenExclusive(t *testing.T) {
	name := fmt.Sprintf("topo-flock-test-%d.lock", time.Now().UnixNano())
	a, _ := Open(name)
	b, _ := Open(name)
	defer a.Close()
	defer b.Close()
	if err := a.Lock(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	if err := b.Lock(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	if ok, _ := a.TryLock(false); ok {
		t.Fatal("exclusive while another holds it shared")
	}
	b.Unlock()
	if ok, err := a.TryLock(false); !ok || err != nil {
		t.Fatalf("exclusive once the other let go: %v %v", ok, err)
	}
}
