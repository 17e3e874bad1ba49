package node

import (
	"context"
	"errors"
	"testing"
)

func TestGroupFirstErrorCancelsTheRest(t *testing.T) {
	g, ctx := newGroup(context.Background())
	first := errors.New("first")
	g.Go(func() error { <-ctx.Done(); return errors.New("later") })
	g.Go(func() error { return first })
	if err := g.Wait(); !errors.Is(err, first) {
		t.Errorf("Wait: %v, want the first error", err)
	}
	g, ctx = newGroup(context.Background())
	g.Go(func() error { return nil })
	if err := g.Wait(); err != nil || ctx.Err() == nil {
		t.Errorf("Wait: %v, context %v; want nil and a context ended by Wait", err, ctx.Err())
	}
}
