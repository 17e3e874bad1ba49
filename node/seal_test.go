package node_test

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/frame"
)

const testSecret = "5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e70001"

// withSecret gives every config the topology's secret.
func withSecret(cfgs map[string]*agent.Config, secret string) map[string]*agent.Config {
	for _, c := range cfgs {
		c.Secret = secret
	}
	return cfgs
}

func testKey(t testing.TB, secret string) *frame.Key {
	t.Helper()
	b, err := hex.DecodeString(secret)
	if err != nil {
		t.Fatal(err)
	}
	return frame.NewKey(b)
}

// sealed encodes f, sealed under k with seq; k nil leaves it unsealed.
func sealed(t testing.TB, k *frame.Key, f *frame.Frame, seq uint64) []byte {
	t.Helper()
	b, err := frame.Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	if k == nil {
		return b
	}
	return k.AppendSealed(nil, b, seq)
}

// stream puts a length prefix before b.
func stream(b []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(b))), b...)
}

func refusedLogged(m *member) float64 {
	var n float64
	for _, e := range m.logs.events(agent.EvDrop) {
		if e["reason"] == agent.ReasonRefused {
			c, _ := e["count"].(float64)
			n += c
		}
	}
	return n
}

// TestSealedLayouts runs agents that share a secret over TCP, UDP, a
// shared segment and an impaired ring: every message, receipt and
// broadcast gets through, and nothing is refused.
func TestSealedLayouts(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    *spec
		from string
		to   []string
	}{
		{"tcp", p2pSpec("tcp", 3), "p1", []string{"p2", "p3"}},
		{"udp", p2pSpec("udp", 3), "p1", []string{"p2", "p3"}},
		{"bus", busSpec(3), "n1", []string{"n2", "n3"}},
		{"custom", customSpec("tcp"), "a", []string{"c", "e"}},
		{"ring-udp-impaired", ringSpec("udp", 3), "r1", []string{"r3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfgs := withSecret(tc.s.configs(), testSecret)
			if strings.HasPrefix(tc.name, "ring") {
				impair(cfgs, agent.Impairment{Delay: agent.Duration(2 * time.Millisecond), Jitter: agent.Duration(time.Millisecond)})
			}
			c := startConfigs(t, cfgs, order(tc.s))
			c.waitReady()
			for _, to := range tc.to {
				c.send(tc.from, to)
				c.send(to, tc.from)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if r, err := c.agent(tc.from).Send(ctx, "*", "to all", false); err != nil || !r.Sent() {
				t.Fatalf("broadcast: %+v, %v", r, err)
			}
			eventually(t, 5*time.Second, "the broadcast delivered everywhere else", func() bool {
				n := uint64(0)
				for _, st := range c.stats() {
					n += st.Counters.BroadcastDelivered
				}
				return n == uint64(len(tc.s.nodes)-1)
			})
			for name, st := range c.stats() {
				if st.Counters.Refused != 0 || st.Counters.Malformed != 0 {
					t.Errorf("%s refused %d, malformed %d; want none: %s", name, st.Counters.Refused,
						st.Counters.Malformed, tail(c.node(name).logs.String(), 10))
				}
			}
		})
	}
}

// TestImpostorHelloRefused connects to a node as its neighbour p1 would,
// over TCP, with a hello that names p1: without a seal, with a seal of
// another key, and with a valid one (as if copied from p1's last
// connection) that then does not answer the challenge. Each is refused
// and counted, and the link to the real p1 stays as it was.
func TestImpostorHelloRefused(t *testing.T) {
	cfgs := withSecret(p2pSpec("tcp", 2).configs(), testSecret)
	c := startConfigs(t, cfgs, []string{"p1", "p2"})
	c.waitReady()
	addr := net.JoinHostPort(cfgs["p2"].Segments[0].Addr, "7000")
	since := c.agent("p2").Stats().Neighbors[0].Since
	hello := &frame.Frame{Type: frame.Hello, ID: 77, Source: "p1", Destination: "p2", NextHop: "p2", Path: []string{"p1"}}
	wrong := testKey(t, strings.Repeat("ab", 32))
	right := testKey(t, testSecret)

	for i, tc := range []struct {
		name   string
		hello  []byte
		answer func(reply *frame.Frame) []byte // the third hello, if any
	}{
		{"unsealed", sealed(t, nil, hello, 0), nil},
		{"wrong key", sealed(t, wrong, hello, 1), nil},
		{"copied, no answer to the challenge", sealed(t, right, hello, 2), func(*frame.Frame) []byte {
			ack := &frame.Frame{Type: frame.Hello, Ref: 12345, Source: "p1", Destination: "p2", NextHop: "p2", Path: []string{"p1"}}
			return sealed(t, right, ack, 3) // does not answer: Ref is not the challenge
		}},
		{"copied, answer unsealed", sealed(t, right, hello, 4), func(reply *frame.Frame) []byte {
			ack := &frame.Frame{Type: frame.Hello, Ref: reply.ID, Source: "p1", Destination: "p2", NextHop: "p2", Path: []string{"p1"}}
			return sealed(t, nil, ack, 0)
		}},
	} {
		cn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cn.Write(stream(tc.hello)); err != nil {
			t.Fatal(err)
		}
		if tc.answer != nil {
			_ = cn.SetReadDeadline(time.Now().Add(5 * time.Second))
			reply, err := frame.Read(cn)
			if err != nil {
				t.Fatalf("%s: no reply to a valid hello: %v", tc.name, err)
			}
			if !reply.Sealed || reply.Ref != 77 || reply.ID == 0 {
				t.Errorf("%s: reply %+v, want a sealed hello that answers 77 and makes a challenge", tc.name, reply)
			}
			if _, err := cn.Write(stream(tc.answer(reply))); err != nil {
				t.Fatal(err)
			}
		}
		eventually(t, 10*time.Second, tc.name+": the impostor's connection closed", func() bool { return closedByPeer(cn) })
		_ = cn.Close()
		eventually(t, 5*time.Second, tc.name+": refused counted", func() bool {
			return c.agent("p2").Stats().Counters.Refused == uint64(i+1)
		})
	}
	st := c.agent("p2").Stats()
	if nb := st.Neighbors[0]; nb.State != "up" || !nb.Since.Equal(since) {
		t.Errorf("p2's link to p1: %s since %v; want up since %v, untouched", nb.State, nb.Since, since)
	}
	for _, e := range c.node("p1").logs.events(agent.EvLink) {
		if e["msg"] == "link to p2 down" {
			t.Errorf("p1 lost its link to p2: %v", e)
		}
	}
	c.send("p1", "p2")
	c.send("p2", "p1")
	eventually(t, 5*time.Second, "the refusals logged", func() bool { return refusedLogged(c.node("p2")) == 4 })
}

// TestInjectedDatagramRefused sends a node datagrams in its neighbour's
// name: without a seal, with a seal of another key, addressed to another
// node, and a validly sealed one twice. None but the first copy of the
// last is delivered; the rest are refused and counted, and none counts as
// a message.
func TestInjectedDatagramRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    *spec
		at   string
	}{{"udp", p2pSpec("udp", 2), "p2"}, {"bus", busSpec(3), "n2"}} {
		t.Run(tc.name, func(t *testing.T) {
			cfgs := withSecret(tc.s.configs(), testSecret)
			c := startConfigs(t, cfgs, order(tc.s))
			c.waitReady()
			from := cfgs[tc.at].Neighbors[0].Name
			u, err := net.Dial("udp", net.JoinHostPort(cfgs[tc.at].Segments[0].Addr, "7000"))
			if err != nil {
				t.Fatal(err)
			}
			defer u.Close()
			data := func(src, next string) *frame.Frame {
				return &frame.Frame{Type: frame.Data, TTL: 8, ID: 99, Source: src, Destination: tc.at, NextHop: next,
					Path: []string{src}, Payload: []byte("injected")}
			}
			right, seq := testKey(t, testSecret), uint64(time.Now().UnixNano())
			for _, b := range [][]byte{
				sealed(t, nil, data(from, tc.at), 0),
				sealed(t, testKey(t, strings.Repeat("cd", 32)), data(from, tc.at), seq),
				sealed(t, right, data("ghost", "elsewhere"), seq),
				sealed(t, right, data("ghost", tc.at), seq), // delivered once
				sealed(t, right, data("ghost", tc.at), seq), // a replay
				sealed(t, nil, &frame.Frame{Type: frame.Hello, Source: "topo-node-dial", Destination: "*", NextHop: "*",
					Path: []string{"topo-node-dial"}}, 0), // a dial probe: ignored, not counted
			} {
				if _, err := u.Write(b); err != nil {
					t.Fatal(err)
				}
				time.Sleep(5 * time.Millisecond) // in order
			}
			eventually(t, 5*time.Second, "four datagrams refused", func() bool {
				return c.agent(tc.at).Stats().Counters.Refused == 4
			})
			time.Sleep(50 * time.Millisecond)
			cnt := c.agent(tc.at).Stats().Counters
			if cnt.Refused != 4 || cnt.Delivered != 1 || cnt.Forwarded != 0 || cnt.Ignored != 0 || cnt.Malformed != 0 {
				t.Errorf("counters %+v; want 4 refused, 1 delivered (the first sealed copy), nothing else", cnt)
			}
			eventually(t, 5*time.Second, "the refusals logged", func() bool { return refusedLogged(c.node(tc.at)) == 4 })
			if n := len(c.node(tc.at).logs.events(agent.EvDrop)); n > 2 {
				t.Errorf("%d drop lines for 4 refusals, want a summary a second", n)
			}
			c.send(from, tc.at)
			c.send(tc.at, from)
		})
	}
}
