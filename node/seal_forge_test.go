package node_test

import (
	"encoding/hex"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/frame"
)

// segKey is segment seg's key under the topology's secret, as an agent
// derives it.
func segKey(t testing.TB, secret, seg string) *frame.Key {
	t.Helper()
	b, err := hex.DecodeString(secret)
	if err != nil {
		t.Fatal(err)
	}
	return testKey(t, agent.SegmentKey(b, seg))
}

// addrOn is the node's address on a segment, in its config.
func addrOn(t testing.TB, cfg *agent.Config, seg string) string {
	t.Helper()
	for _, s := range cfg.Segments {
		if s.Name == seg {
			return s.Addr
		}
	}
	t.Fatalf("%s is not on %s", cfg.Name, seg)
	return ""
}

// dialFrom dials to from the address from (any port); from "" lets the
// kernel pick, which on loopback is 127.0.0.1, no node's address.
func dialFrom(t testing.TB, network, from, to string) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second}
	if from != "" {
		ip := net.ParseIP(from)
		if network == "udp" {
			d.LocalAddr = &net.UDPAddr{IP: ip}
		} else {
			d.LocalAddr = &net.TCPAddr{IP: ip}
		}
	}
	c, err := d.Dial(network, to)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestImpostorHelloRefused connects to p2 as its neighbour p1 would, over
// TCP, with a hello that names p1: without a seal; sealed with another
// key, with the topology's secret itself, with the key of p2's other
// segment; with the right key but from another address than p1's; and,
// from p1's address, with a valid hello (as if copied from p1's last
// connection) that then does not answer the challenge. Each is refused and
// counted, and p2's live link to the real p1 is not taken over: it stays
// up since it came up.
func TestImpostorHelloRefused(t *testing.T) {
	cfgs := withSecret(p2pSpec("tcp", 3).configs(), testSecret)
	c := startConfigs(t, cfgs, []string{"p1", "p2", "p3"})
	c.waitReady()
	const seg = "p1-p2"
	addr := net.JoinHostPort(addrOn(t, cfgs["p2"], seg), "7000")
	p1 := addrOn(t, cfgs["p1"], seg)
	since := neighbor(c.agent("p2"), "p1").Since
	hello := &frame.Frame{Type: frame.Hello, ID: 77, Source: "p1", Destination: "p2", NextHop: "p2", Path: []string{"p1"}}
	right := segKey(t, testSecret, seg)

	for i, tc := range []struct {
		name   string
		from   string
		hello  []byte
		answer func(reply *frame.Frame) []byte // the third hello, if any
	}{
		{"unsealed", p1, sealed(t, nil, hello, 0), nil},
		{"wrong key", p1, sealed(t, testKey(t, strings.Repeat("ab", 32)), hello, 1), nil},
		{"the secret as key", p1, sealed(t, testKey(t, testSecret), hello, 1), nil},
		{"key of the other segment", p1, sealed(t, segKey(t, testSecret, "p2-p3"), hello, 1), nil},
		{"right key, wrong address", "", sealed(t, right, hello, 1), nil},
		{"copied, no answer to the challenge", p1, sealed(t, right, hello, 2), func(*frame.Frame) []byte {
			ack := &frame.Frame{Type: frame.Hello, Ref: 12345, Source: "p1", Destination: "p2", NextHop: "p2", Path: []string{"p1"}}
			return sealed(t, right, ack, 3) // does not answer: Ref is not the challenge
		}},
		{"copied, answer unsealed", p1, sealed(t, right, hello, 4), func(reply *frame.Frame) []byte {
			ack := &frame.Frame{Type: frame.Hello, Ref: reply.ID, Source: "p1", Destination: "p2", NextHop: "p2", Path: []string{"p1"}}
			return sealed(t, nil, ack, 0)
		}},
	} {
		cn := dialFrom(t, "tcp", tc.from, addr)
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
	if nb := neighbor(c.agent("p2"), "p1"); nb.State != "up" || !nb.Since.Equal(since) {
		t.Errorf("p2's link to p1: %s since %v; want up since %v, untouched", nb.State, nb.Since, since)
	}
	for _, e := range c.node("p1").logs.events(agent.EvLink) {
		if e["msg"] == "link to p2 down" {
			t.Errorf("p1 lost its link to p2: %v", e)
		}
	}
	c.send("p1", "p2")
	c.send("p2", "p1")
	eventually(t, 5*time.Second, "the refusals logged", func() bool { return refusedLogged(c.node("p2")) == 7 })
	if st := c.agent("p2").Stats().Counters; st.Delivered != 1 || st.Forwarded != 0 {
		t.Errorf("p2 delivered %d, forwarded %d; want only p1's real message", st.Delivered, st.Forwarded)
	}
}

// TestInjectedDatagramRefused sends a node datagrams in its neighbour's
// name, from the neighbour's own address: without a seal, sealed with
// another key, with the key of another segment of the node's, addressed
// to another node; and with the right key from another address. None is
// delivered: each is refused and counted, and none counts as a message.
// On a bus, where a planned member that runs no agent ("ghost") can be
// played by the test, a validly sealed datagram from the ghost's address
// is delivered once, and its copy refused.
func TestInjectedDatagramRefused(t *testing.T) {
	for _, tc := range []struct {
		name, at, from, seg, other string
		s                          *spec
	}{
		{"udp", "p2", "p1", "p1-p2", "p2-p3", p2pSpec("udp", 3)},
		{"bus", "n2", "n1", "bus", "elsewhere", busSpec(3)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfgs := withSecret(tc.s.configs(), testSecret)
			ghost := nextAddr().String()
			if tc.s.layout == "bus" {
				c := cfgs[tc.at]
				c.Segments[0].Members = append(c.Segments[0].Members, agent.Neighbor{Name: "ghost", Addr: ghost, Segment: tc.seg, Port: 7000})
			}
			c := startConfigs(t, cfgs, order(tc.s))
			c.waitReady()
			to := net.JoinHostPort(addrOn(t, cfgs[tc.at], tc.seg), "7000")
			u := dialFrom(t, "udp", addrOn(t, cfgs[tc.from], tc.seg), to)
			defer u.Close()
			stranger := dialFrom(t, "udp", "", to)
			defer stranger.Close()
			data := func(src, next string) *frame.Frame {
				return &frame.Frame{Type: frame.Data, TTL: 8, ID: 99, Source: src, Destination: tc.at, NextHop: next,
					Path: []string{src}, Payload: []byte("injected")}
			}
			right, seq := segKey(t, testSecret, tc.seg), uint64(time.Now().UnixNano())
			for _, d := range []struct {
				via net.Conn
				b   []byte
			}{
				{u, sealed(t, nil, data(tc.from, tc.at), 0)},
				{u, sealed(t, testKey(t, strings.Repeat("cd", 32)), data(tc.from, tc.at), seq)},
				{u, sealed(t, testKey(t, testSecret), data(tc.from, tc.at), seq)},
				{u, sealed(t, segKey(t, testSecret, tc.other), data(tc.from, tc.at), seq)},
				{u, sealed(t, right, data(tc.from, "elsewhere"), seq)},
				{stranger, sealed(t, right, data(tc.from, tc.at), seq)},
				{stranger, sealed(t, nil, &frame.Frame{Type: frame.Hello, Source: "topo-node-dial", Destination: "*", NextHop: "*",
					Path: []string{"topo-node-dial"}}, 0)}, // a dial probe: ignored, not counted
			} {
				if _, err := d.via.Write(d.b); err != nil {
					t.Fatal(err)
				}
				time.Sleep(5 * time.Millisecond) // in order
			}
			want := uint64(6)
			if tc.s.layout == "bus" {
				g := dialFrom(t, "udp", ghost, to)
				defer g.Close()
				for range 2 { // delivered once, then a replay
					if _, err := g.Write(sealed(t, right, data("ghost", tc.at), seq)); err != nil {
						t.Fatal(err)
					}
					time.Sleep(5 * time.Millisecond)
				}
				want++
			}
			eventually(t, 5*time.Second, "the datagrams refused", func() bool {
				return c.agent(tc.at).Stats().Counters.Refused == want
			})
			time.Sleep(50 * time.Millisecond)
			cnt := c.agent(tc.at).Stats().Counters
			delivered := want - 6
			if cnt.Refused != want || cnt.Delivered != delivered || cnt.Forwarded != 0 || cnt.Ignored != 0 || cnt.Malformed != 0 {
				t.Errorf("counters %+v; want %d refused, %d delivered, nothing else", cnt, want, delivered)
			}
			eventually(t, 5*time.Second, "the refusals logged", func() bool { return refusedLogged(c.node(tc.at)) == float64(want) })
			if n := len(c.node(tc.at).logs.events(agent.EvDrop)); n > 3 {
				t.Errorf("%d drop lines for %d refusals, want a summary a second", n, want)
			}
			if nb := neighbor(c.agent(tc.at), tc.from); nb.State != "up" {
				t.Errorf("%s's link to %s is %s, want up", tc.at, tc.from, nb.State)
			}
			c.send(tc.from, tc.at)
			c.send(tc.at, tc.from)
		})
	}
}
