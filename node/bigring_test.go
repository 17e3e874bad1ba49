package node_test

import (
	"context"
	"testing"
	"time"
)

// TestBigRing runs a ring of more nodes than DefaultTTL: a message to the
// farthest node, and the receipt of one to the nearest (which goes nearly
// all the way round), arrive; a broadcast reaches every node.
func TestBigRing(t *testing.T) {
	const n = 20
	s := ringSpec("tcp", n)
	d := &deliveries{n: map[string]map[string]int{}}
	var order []string
	for _, nd := range s.nodes {
		order = append(order, nd.name)
	}
	c := startConfigs(t, s.configs(), nil)
	c.order = order
	for _, name := range order {
		c.start(name, d.option(name))
	}
	c.waitReady()

	for _, to := range []string{"r20", "r2"} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		r, err := c.agent("r1").Send(ctx, to, "far", true)
		cancel()
		if err != nil || !r.Delivered {
			t.Fatalf("r1 → %s: %+v, %v", to, r, err)
		}
		if want := map[string]int{"r20": n, "r2": 2}[to]; len(r.Path) != want {
			t.Errorf("r1 → %s: path %v, want %d nodes", to, r.Path, want)
		}
	}

	r, err := c.agent("r1").Send(context.Background(), "*", "all", false)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the broadcast at every other node", func() bool {
		for _, name := range order[1:] {
			if d.count(name, r.ID) != 1 {
				return false
			}
		}
		return true
	})
}
