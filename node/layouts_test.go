package node_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestRing(t *testing.T) {
	for _, proto := range []string{"tcp", "udp"} {
		t.Run(proto, func(t *testing.T) {
			c := startSpec(t, ringSpec(proto, 5))
			c.waitReady()
			assertPath(t, c.send("r1", "r4").Path, "r1", "r2", "r3", "r4")
			assertPath(t, c.send("r4", "r2").Path, "r4", "r5", "r1", "r2")
			assertPath(t, c.send("r3", "r2").Path, "r3", "r4", "r5", "r1", "r2")
			eventually(t, 10*time.Second, "ring_rtt at the leader", func() bool {
				return len(c.node("r1").logs.events("ring_rtt")) > 0
			})
			if n := len(c.node("r2").logs.events("ring_rtt")); n != 0 {
				t.Errorf("r2 is not the leader but logged %d ring_rtt", n)
			}
		})
	}
}

func TestBus(t *testing.T) {
	c := startSpec(t, busSpec(4))
	c.waitReady()
	assertPath(t, c.send("n1", "n3").Path, "n1", "n3")
	assertPath(t, c.send("n4", "n2").Path, "n4", "n2")
	// Every frame is seen by every member: the two data messages are
	// ignored by the two bystanders each.
	eventually(t, 5*time.Second, "bystanders to ignore", func() bool {
		s := c.stats()
		return s["n2"].Counters.Ignored == 1 && s["n4"].Counters.Ignored == 1 &&
			s["n1"].Counters.Ignored == 1 && s["n3"].Counters.Ignored == 1
	})
	if len(c.node("n2").logs.events("ignored")) == 0 {
		t.Error("n2 logged no ignored event")
	}
}

func TestP2P(t *testing.T) {
	for _, proto := range []string{"tcp", "udp"} {
		t.Run(proto, func(t *testing.T) {
			c := startSpec(t, p2pSpec(proto, 4))
			c.waitReady()
			assertPath(t, c.send("p1", "p4").Path, "p1", "p4")
			assertPath(t, c.send("p3", "p2").Path, "p3", "p2")
		})
	}
}

func TestClientServer(t *testing.T) {
	for _, tc := range []struct {
		name, proto string
		shared      bool
	}{{"tcp", "tcp", false}, {"udp", "udp", false}, {"shared-lan", "tcp", true}} {
		t.Run(tc.name, func(t *testing.T) {
			c := startSpec(t, clientServerSpec(tc.proto, 3, tc.shared))
			c.waitReady()
			assertPath(t, c.send("client1", "client3").Path, "client1", "server", "client3")
			assertPath(t, c.send("server", "client2").Path, "server", "client2")
			eventually(t, 5*time.Second, "greetings", func() bool {
				for _, n := range []string{"client1", "client2", "client3"} {
					if !strings.Contains(c.node(n).logs.String(), `"msg":"received: Thank you for connecting"`) {
						return false
					}
				}
				return true
			})
			if n := strings.Count(c.node("server").logs.String(), `"msg":"got connection from 127.`); n < 3 {
				t.Errorf("server logged %d connections, want 3", n)
			}
		})
	}
}

func TestCustom(t *testing.T) {
	for _, proto := range []string{"tcp", "udp"} {
		t.Run(proto, func(t *testing.T) {
			c := startSpec(t, customSpec(proto))
			c.waitReady()
			assertPath(t, c.send("a", "e").Path, "a", "b", "d", "e")
			assertPath(t, c.send("c", "a").Path, "c", "b", "a")
			assertPath(t, c.send("e", "c").Path, "e", "d", "c")
		})
	}
}

// TestBusBroadcastAddress puts frames on the segment with one datagram to
// the broadcast address, as in Docker, using loopback's 127.255.255.255.
func TestBusBroadcastAddress(t *testing.T) {
	s := busSpec(4)
	s.port = 20000 + rand.IntN(20000)
	cfgs := s.configs()
	for _, cfg := range cfgs {
		cfg.Segments[0].Broadcast = "127.255.255.255"
	}
	c := startConfigs(t, cfgs, []string{"n1", "n2", "n3", "n4"})
	c.waitReady()
	assertPath(t, c.send("n1", "n3").Path, "n1", "n3")
	eventually(t, 5*time.Second, "bystanders to ignore", func() bool {
		st := c.stats()
		return st["n2"].Counters.Ignored == 1 && st["n4"].Counters.Ignored == 1
	})
}
