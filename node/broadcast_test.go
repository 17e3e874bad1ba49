package node_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/topo-dev/topo/node"
)

// deliveries counts, per node and message id, the data messages delivered.
type deliveries struct {
	mu sync.Mutex
	n  map[string]map[string]int
}

func (d *deliveries) option(name string) node.Option {
	return node.WithOnDeliver(func(m node.Message) {
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.n[name] == nil {
			d.n[name] = map[string]int{}
		}
		d.n[name][m.ID]++
	})
}

func (d *deliveries) count(name, id string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.n[name][id]
}

func TestBroadcast(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec *spec
		from string
	}{
		{"star-tcp", starSpec("tcp", 4), "spoke2"},
		{"p2p-udp", p2pSpec("udp", 4), "p1"},
		{"bus", busSpec(4), "n2"},
		{"ring-tcp", ringSpec("tcp", 4), "r3"},
		{"custom-tcp", customSpec("tcp"), "a"},
		{"custom-udp", customSpec("udp"), "e"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &deliveries{n: map[string]map[string]int{}}
			cfgs := tc.spec.configs()
			var order []string
			for _, n := range tc.spec.nodes {
				order = append(order, n.name)
			}
			c := &cluster{t: t, cfgs: cfgs, order: order, opts: testOptions(), nodes: map[string]*member{}}
			t.Cleanup(c.stopAll)
			for _, n := range order {
				c.start(n, d.option(n))
			}
			c.waitReady()
			r, err := c.agent(tc.from).Send(context.Background(), "*", "to all", true)
			if err != nil || !r.Queued {
				t.Fatalf("broadcast: %+v, %v", r, err)
			}
			eventually(t, 5*time.Second, "every node to get the broadcast", func() bool {
				for _, n := range order {
					if n != tc.from && d.count(n, r.ID) == 0 {
						return false
					}
				}
				return true
			})
			// Unicast fences behind any stray copies on the same links.
			for _, a := range order {
				for _, b := range order {
					if a != b {
						c.send(a, b)
					}
				}
			}
			for _, n := range order {
				want := 1
				if n == tc.from {
					want = 0
				}
				if got := d.count(n, r.ID); got != want {
					t.Errorf("%s got the broadcast %d times, want %d", n, got, want)
				}
				s := c.agent(n).Stats().Counters
				if s.BroadcastDelivered != uint64(want) {
					t.Errorf("%s broadcast_delivered %d, want %d", n, s.BroadcastDelivered, want)
				}
			}
		})
	}
}
