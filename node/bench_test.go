package node_test

import (
	"context"
	"testing"
	"time"

	"github.com/topo-dev/topo/node"
)

// BenchmarkLink measures one link between two peers: the one-way latency of
// a hop (receipted messages, one at a time) and the messages per second it
// carries (a window of messages in flight).
func BenchmarkLink(b *testing.B) {
	for _, proto := range []string{"tcp", "udp"} {
		b.Run(proto+"/latency", func(b *testing.B) {
			c := benchCluster(b, proto, nil)
			a := c.agent("p1")
			var oneWay, rtt float64
			b.ResetTimer()
			for b.Loop() {
				r, err := a.Send(context.Background(), "p2", "ping", true)
				if err != nil || !r.Delivered {
					b.Fatalf("%+v, %v", r, err)
				}
				oneWay += r.OneWayMs
				rtt += r.RTTMs
			}
			b.ReportMetric(oneWay/float64(b.N)*1000, "µs/hop")
			b.ReportMetric(rtt/float64(b.N)*1000, "µs-rtt")
		})
		b.Run(proto+"/throughput", func(b *testing.B) {
			window := make(chan struct{}, 128)
			c := benchCluster(b, proto, node.WithOnDeliver(func(node.Message) { <-window }))
			a := c.agent("p1")
			payload := string(make([]byte, 64))
			b.ResetTimer()
			start := time.Now()
			for b.Loop() {
				window <- struct{}{}
				if r, err := a.Send(context.Background(), "p2", payload, false); err != nil || r.Reason != "" {
					b.Fatalf("%+v, %v", r, err)
				}
			}
			for range cap(window) { // wait for the last ones in flight
				window <- struct{}{}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
		})
	}
}

func benchCluster(b *testing.B, proto string, onP2 node.Option) *cluster {
	cfgs := p2pSpec(proto, 2).configs()
	c := &cluster{t: b, cfgs: cfgs, order: []string{"p1", "p2"}, opts: testOptions(), nodes: map[string]*member{}}
	b.Cleanup(c.stopAll)
	c.start("p1")
	if onP2 != nil {
		c.start("p2", onP2)
	} else {
		c.start("p2")
	}
	c.waitReady()
	return c
}

// BenchmarkBurst sends bursts of one-byte messages across one TCP link,
// as `topo send --count` does, and reports the rate the receipt gives.
func BenchmarkBurst(b *testing.B) {
	c := benchCluster(b, "tcp", nil)
	a := c.agent("p1")
	const n = 100_000
	var rate float64
	for b.Loop() {
		r, err := a.Burst(context.Background(), "p2", "x", n)
		if err != nil || !r.Delivered {
			b.Fatalf("%+v, %v", r, err)
		}
		rate += r.PerSecond
	}
	b.ReportMetric(rate/float64(b.N), "msgs/s")
}
