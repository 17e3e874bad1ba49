package main

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/topo-dev/topo/engine"
)

// The floor removes everything it made: eachAll tries every item whatever
// fails, and each, which starts no item after a failure, never cancels
// one it started (a create the client gave up on would still be made by
// the engine, and left behind).
func TestEachAndEachAll(t *testing.T) {
	boom := errors.New("boom")
	var tried atomic.Int64
	err := eachAll(context.Background(), 2, 10, func(_ context.Context, i int) error {
		tried.Add(1)
		if i%3 == 0 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || tried.Load() != 10 {
		t.Errorf("eachAll: %v after %d of 10, want boom after all 10", err, tried.Load())
	}

	failed := make(chan struct{})
	var ran atomic.Int64
	var cutErr error
	err = each(context.Background(), 2, 10, func(ctx context.Context, i int) error {
		ran.Add(1)
		switch i {
		case 0:
			close(failed)
			return boom
		case 1:
			<-failed
			time.Sleep(50 * time.Millisecond) // the failure has cancelled the group by now
			cutErr = ctx.Err()
		}
		return nil
	})
	if !errors.Is(err, boom) || ran.Load() != 2 || cutErr != nil {
		t.Errorf("each: %v after %d items, the one under way saw %v; want boom, 2 items, and nil", err, ran.Load(), cutErr)
	}
}

// A way that lost its subnet to another user of the engine is planned
// and run again, a few times; any other failure ends it at once.
func TestReplanned(t *testing.T) {
	other := errors.New("other")
	for _, tc := range []struct {
		name      string
		errs      []error // what each try returns, then nil
		wantTries int
		wantErr   error
	}{
		{"first try", nil, 1, nil},
		{"after two overlaps", []error{engine.ErrOverlap, engine.ErrOverlap}, 3, nil},
		{"overlaps every time", slices.Repeat([]error{engine.ErrOverlap}, replanTries+1), replanTries, engine.ErrOverlap},
		{"another failure", []error{other}, 1, other},
	} {
		tries := 0
		_, err := replanned(func() (timing, error) {
			tries++
			if tries <= len(tc.errs) {
				return timing{}, tc.errs[tries-1]
			}
			return timing{}, nil
		})
		if tries != tc.wantTries || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
			t.Errorf("%s: %d tries, %v; want %d, %v", tc.name, tries, err, tc.wantTries, tc.wantErr)
		}
	}
}
