package node_test

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node"
)

// impair gives the named segments (every segment when none is named) an
// impairment, on every node.
func impair(cfgs map[string]*agent.Config, imp agent.Impairment, segs ...string) {
	for _, c := range cfgs {
		for i := range c.Segments {
			if len(segs) == 0 || slices.Contains(segs, c.Segments[i].Name) {
				c.Segments[i].Impairment = imp
			}
		}
	}
}

func order(s *spec) []string {
	var out []string
	for _, n := range s.nodes {
		out = append(out, n.name)
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func TestImpairDelay(t *testing.T) {
	const delay = 30 * time.Millisecond
	for _, proto := range []string{"tcp", "udp"} {
		t.Run(proto, func(t *testing.T) {
			s := p2pSpec(proto, 2)
			cfgs := s.configs()
			impair(cfgs, agent.Impairment{Delay: agent.Duration(delay)})
			c := startConfigs(t, cfgs, order(s))
			c.waitReady()
			start := time.Now()
			r := c.send("p1", "p2")
			took := time.Since(start)
			// Both ends delay what they send: there and back is two delays.
			if r.RTTMs < ms(2*delay) || took < 2*delay {
				t.Errorf("round trip %.1fms (took %v), want at least %v", r.RTTMs, took, 2*delay)
			}
			if r.OneWayMs < ms(delay) {
				t.Errorf("one way %.1fms, want at least %v", r.OneWayMs, delay)
			}
		})
	}
}

func TestImpairLoss(t *testing.T) {
	for _, proto := range []string{"tcp", "udp"} {
		t.Run(proto+"/all", func(t *testing.T) {
			s := p2pSpec(proto, 2)
			cfgs := s.configs()
			impair(cfgs, agent.Impairment{Loss: 1})
			c := startConfigs(t, cfgs, order(s))
			c.waitReady() // hellos are never lost
			// With a receipt the sender hears of the loss; without one the
			// message was queued, and is counted as lost when it leaves.
			const n = 20
			for i := range n {
				receipt := i%2 == 0
				r, err := c.agent("p1").Send(context.Background(), "p2", "x", receipt)
				if err != nil {
					t.Fatal(err)
				}
				if receipt && (r.Delivered || r.Reason != agent.ReasonLoss || r.DroppedAt != "p1") {
					t.Fatalf("message %d: %+v, want dropped at p1 for loss", i, r)
				}
				if !receipt && (!r.Queued || r.Reason != "") {
					t.Fatalf("message %d without receipt: %+v, want queued", i, r)
				}
			}
			eventually(t, 5*time.Second, "every message lost", func() bool {
				return c.agent("p1").Stats().Counters.DroppedByReason[agent.ReasonLoss] == n
			})
			st := c.stats()
			if st["p1"].Counters.Dropped != n {
				t.Errorf("p1 dropped %v, want %d for loss only", st["p1"].Counters.DroppedByReason, n)
			}
			if got := st["p2"].Counters.Delivered; got != 0 {
				t.Errorf("p2 delivered %d through a link that loses everything", got)
			}
		})
		t.Run(proto+"/none", func(t *testing.T) {
			s := p2pSpec(proto, 2)
			cfgs := s.configs()
			impair(cfgs, agent.Impairment{Loss: 0, Jitter: agent.Duration(time.Millisecond)})
			c := startConfigs(t, cfgs, order(s))
			c.waitReady()
			for range 20 {
				c.send("p1", "p2")
			}
			if st := c.stats(); st["p1"].Counters.Dropped+st["p2"].Counters.Dropped != 0 {
				t.Errorf("drops without loss: %+v", st)
			}
		})
	}
}

// TestImpairLossForwarded loses a message on the hub's way out: the origin
// hears why from the hub.
func TestImpairLossForwarded(t *testing.T) {
	s := starSpec("udp", 3)
	cfgs := s.configs()
	impair(cfgs, agent.Impairment{Loss: 1}, "hub-spoke3")
	c := startConfigs(t, cfgs, order(s))
	c.waitReady()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := c.agent("spoke1").Send(ctx, "spoke3", "x", true)
	if err != nil {
		t.Fatal(err)
	}
	if r.Delivered || r.Reason != agent.ReasonLoss || r.DroppedAt != "hub" {
		t.Fatalf("receipt %+v, want lost at the hub", r)
	}
	assertPath(t, r.Path, "spoke1", "hub")
	if got := c.agent("hub").Stats().Counters.DroppedByReason[agent.ReasonLoss]; got != 1 {
		t.Errorf("hub dropped %d for loss, want 1", got)
	}
	if logs := c.node("hub").logs.events("drop"); len(logs) != 1 || logs[0]["reason"] != agent.ReasonLoss {
		t.Errorf("hub drop events %v, want one for loss", logs)
	}
}

func TestImpairJitterKeepsOrder(t *testing.T) {
	for _, proto := range []string{"tcp", "udp"} {
		t.Run(proto, func(t *testing.T) {
			s := p2pSpec(proto, 2)
			cfgs := s.configs()
			impair(cfgs, agent.Impairment{Delay: agent.Duration(3 * time.Millisecond), Jitter: agent.Duration(3 * time.Millisecond)})
			var mu sync.Mutex
			var got []int
			c := &cluster{t: t, cfgs: cfgs, order: order(s), opts: testOptions(), nodes: map[string]*member{}}
			t.Cleanup(c.stopAll)
			c.start("p1")
			c.start("p2", node.WithOnDeliver(func(m node.Message) {
				i, _ := strconv.Atoi(string(m.Payload))
				mu.Lock()
				got = append(got, i)
				mu.Unlock()
			}))
			c.waitReady()
			const n = 200
			for i := range n {
				if _, err := c.agent("p1").Send(context.Background(), "p2", strconv.Itoa(i), false); err != nil {
					t.Fatal(err)
				}
			}
			eventually(t, 10*time.Second, "every message", func() bool {
				mu.Lock()
				defer mu.Unlock()
				return len(got) == n
			})
			mu.Lock()
			defer mu.Unlock()
			for i, v := range got {
				if v != i {
					t.Fatalf("message %d arrived in place %d: %v", v, i, got)
				}
			}
		})
	}
}

func TestImpairRate(t *testing.T) {
	const (
		rate = 1_000_000 // bits per second
		n    = 40
		size = 1000 // payload bytes; a frame is a little larger
	)
	for _, proto := range []string{"tcp", "udp"} {
		t.Run(proto, func(t *testing.T) {
			s := p2pSpec(proto, 2)
			cfgs := s.configs()
			impair(cfgs, agent.Impairment{Rate: rate})
			c := startConfigs(t, cfgs, order(s))
			c.waitReady()
			payload := string(make([]byte, size))
			start := time.Now()
			for range n {
				r, err := c.agent("p1").Send(context.Background(), "p2", payload, false)
				if err != nil || r.Reason != "" {
					t.Fatalf("send: %+v, %v", r, err)
				}
			}
			eventually(t, 10*time.Second, "every message", func() bool {
				return c.agent("p2").Stats().Counters.Delivered == n
			})
			took := time.Since(start)
			least := time.Duration(n * size * 8 * float64(time.Second) / rate)
			if took < least {
				t.Errorf("%d frames of %d bytes at %d bit/s took %v, want at least %v", n, size, rate, took, least)
			}
		})
	}
}

// TestImpairCountersInvariant loses 30% of every frame under background
// traffic: every message originated is still delivered or dropped, and
// the only reason to drop one is loss.
func TestImpairCountersInvariant(t *testing.T) {
	lossy := agent.Impairment{Delay: agent.Duration(time.Millisecond), Jitter: agent.Duration(time.Millisecond), Loss: 0.3}
	for _, tc := range []struct {
		name string
		spec *spec
		imp  agent.Impairment
	}{
		{"star-tcp", starSpec("tcp", 3), lossy},
		{"star-udp", starSpec("udp", 3), lossy},
		{"bus", busSpec(4), lossy},
		{"custom-tcp", customSpec("tcp"), lossy},
		// Tokens are frames too: a lost one stalls a ring for seconds,
		// so the ring is only delayed.
		{"ring-udp", ringSpec("udp", 4), agent.Impairment{Delay: agent.Duration(2 * time.Millisecond), Jitter: agent.Duration(time.Millisecond)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.spec.every = 10 * time.Millisecond
			cfgs := tc.spec.configs()
			impair(cfgs, tc.imp)
			c := startConfigs(t, cfgs, order(tc.spec))
			c.waitReady()
			eventually(t, 10*time.Second, "every node to originate", func() bool {
				for _, s := range c.stats() {
					if s.Counters.Originated < 20 {
						return false
					}
				}
				return true
			})
			for _, n := range c.order {
				c.agent(n).SetTraffic(false)
			}
			var orig, done uint64
			eventually(t, 10*time.Second, "traffic to settle", func() bool {
				orig, done = 0, 0
				for _, s := range c.stats() {
					orig += s.Counters.Originated
					done += s.Counters.Delivered + s.Counters.Dropped
				}
				return orig == done
			})
			lost := uint64(0)
			for n, s := range c.stats() {
				for reason, k := range s.Counters.DroppedByReason {
					if reason != agent.ReasonLoss {
						t.Errorf("%s dropped %d for %s", n, k, reason)
					}
					lost += k
				}
			}
			if tc.imp.Loss > 0 && lost == 0 {
				t.Errorf("none of %d messages lost at 30%% loss", orig)
			}
			t.Logf("%d originated, %d lost", orig, lost)
		})
	}
}

// TestImpairBroadcast floods a message over an impaired bus and custom
// graph: the copies are delayed, and a bus that loses everything carries
// none of them.
func TestImpairBroadcast(t *testing.T) {
	const delay = 20 * time.Millisecond
	for _, tc := range []struct {
		name string
		spec *spec
		imp  agent.Impairment
		want int // nodes that get it; the sender does not deliver its own
	}{
		{"bus-delay", busSpec(3), agent.Impairment{Delay: agent.Duration(delay)}, 2},
		{"custom-delay", customSpec("udp"), agent.Impairment{Delay: agent.Duration(delay)}, 4},
		{"bus-loss", busSpec(3), agent.Impairment{Loss: 1}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			got := map[string]time.Time{}
			cfgs := tc.spec.configs()
			impair(cfgs, tc.imp)
			c := &cluster{t: t, cfgs: cfgs, order: order(tc.spec), opts: testOptions(), nodes: map[string]*member{}}
			t.Cleanup(c.stopAll)
			for _, n := range c.order {
				c.start(n, node.WithOnDeliver(func(node.Message) {
					mu.Lock()
					got[n] = time.Now()
					mu.Unlock()
				}))
			}
			c.waitReady()
			from := c.order[0]
			start := time.Now()
			if _, err := c.agent(from).Send(context.Background(), "*", "all", false); err != nil {
				t.Fatal(err)
			}
			if tc.want == 0 {
				time.Sleep(200 * time.Millisecond)
			} else {
				eventually(t, 5*time.Second, "the broadcast everywhere", func() bool {
					mu.Lock()
					defer mu.Unlock()
					return len(got) >= tc.want
				})
			}
			mu.Lock()
			defer mu.Unlock()
			if n := len(got); n != tc.want {
				t.Errorf("%d nodes got the broadcast, want %d", n, tc.want)
			}
			for n, at := range got {
				if at.Sub(start) < delay {
					t.Errorf("%s got the broadcast after %v, want at least %v", n, at.Sub(start), delay)
				}
			}
		})
	}
}
