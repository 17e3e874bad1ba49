package node_test

import (
	"encoding/binary"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node"
	"github.com/topo-dev/topo/node/internal/frame"
)

// closedByPeer reports whether the other end has closed c.
func closedByPeer(c net.Conn) bool {
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Millisecond))
	_, err := c.Read(make([]byte, 1))
	return err != nil && !errors.Is(err, os.ErrDeadlineExceeded)
}

// TestAcceptBound floods a node's listener with connections that never say
// hello: beyond a few, they are closed at once and the refusals logged, the
// rest when they close without a hello, and the neighbour's link stays up.
// The handshake timeout is far longer than the test, so that nothing here
// depends on how fast the flood is served.
func TestAcceptBound(t *testing.T) {
	s := p2pSpec("tcp", 2)
	cfgs := s.configs()
	c := startConfigs(t, cfgs, []string{"p1", "p2"}, node.WithHandshakeTimeout(time.Hour))
	c.waitReady()
	seg := cfgs["p2"].Segments[0]
	addr := net.JoinHostPort(seg.Addr, "7000")

	const flood = 40
	var conns []net.Conn
	t.Cleanup(func() {
		for _, cn := range conns {
			_ = cn.Close()
		}
	})
	for range flood {
		cn, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			t.Fatalf("dial %s: %v", addr, err)
		}
		conns = append(conns, cn)
	}
	open := func() []net.Conn {
		var out []net.Conn
		for _, cn := range conns {
			if !closedByPeer(cn) {
				out = append(out, cn)
			}
		}
		return out
	}
	// p1's connection holds one of p2's places; the flood gets the margin.
	var still []net.Conn
	eventually(t, 30*time.Second, "the connections beyond the bound to be closed", func() bool {
		still = open()
		return len(still) <= node.AcceptMargin
	})
	if len(still) != node.AcceptMargin {
		t.Errorf("%d of %d connections left open, want %d", len(still), flood, node.AcceptMargin)
	}
	// However the refusals fall into lines, their counts add up.
	refused := func() (n float64) {
		for _, l := range c.node("p2").logs.events(agent.EvLink) {
			if l["reason"] == "too_many_connections" {
				n += l["refused"].(float64)
				if msg, _ := l["msg"].(string); !strings.HasPrefix(msg, "refused connection from 127.") {
					t.Errorf("refusal logged as %q", msg)
				}
			}
		}
		return n
	}
	eventually(t, 30*time.Second, "every refusal logged", func() bool {
		return refused() >= flood-node.AcceptMargin
	})
	if n := refused(); n != flood-node.AcceptMargin {
		t.Errorf("%v refusals logged, want %d: %s", n, flood-node.AcceptMargin, tail(c.node("p2").logs.String(), 20))
	}

	for _, cn := range still {
		_ = cn.Close()
	}
	silent := func() int {
		return rejectedLogged(c.node("p2"), "rejected connection without hello")
	}
	eventually(t, 30*time.Second, "the connections closed without hello to be rejected", func() bool {
		return silent() >= node.AcceptMargin
	})
	if n := silent(); n != node.AcceptMargin {
		t.Errorf("%d connections rejected for want of a hello, want %d", n, node.AcceptMargin)
	}
	if !c.agent("p2").Ready() {
		t.Errorf("p2 lost its link to p1 under the flood")
	}
	// The places are free again: p1's next connection gets in.
	c.stop("p1")
	c.start("p1")
	c.waitReady()
	c.send("p1", "p2")
}

// TestHandshakeTimeout opens a connection that never says hello: it is
// closed once its hello is overdue, not before.
func TestHandshakeTimeout(t *testing.T) {
	const hello = 300 * time.Millisecond
	cfgs := p2pSpec("tcp", 2).configs()
	c := startConfigs(t, cfgs, []string{"p2"}, node.WithHandshakeTimeout(hello))
	addr := net.JoinHostPort(cfgs["p2"].Segments[0].Addr, "7000")
	var cn net.Conn
	var start time.Time // before p2 can accept, so before its clock starts
	eventually(t, 10*time.Second, "p2 to listen", func() bool {
		var err error
		start = time.Now()
		cn, err = net.DialTimeout("tcp", addr, 10*time.Second)
		return err == nil
	})
	defer cn.Close()
	eventually(t, 30*time.Second, "the connection without hello to be closed", func() bool {
		return closedByPeer(cn)
	})
	if d := time.Since(start); d < hello {
		t.Errorf("connection without hello closed after %v, before the %v it has", d, hello)
	}
	eventually(t, 10*time.Second, "the rejection logged", func() bool {
		for _, l := range c.node("p2").logs.events(agent.EvLink) {
			if l["msg"] == "rejected connection without hello" {
				return true
			}
		}
		return false
	})
}

// rejectedLogged adds up the counts of the summary lines with message msg.
func rejectedLogged(m *member, msg string) int {
	n := 0
	for _, l := range m.logs.events(agent.EvLink) {
		if l["msg"] == msg {
			c, _ := l["count"].(float64)
			n += int(c)
		}
	}
	return n
}

// TestRejectedConnectionsSummarized opens, one after the other, many
// connections that close without a hello, and many whose hello names a
// node that is not a neighbour that dials: each kind is logged as a
// summary a second at most, whose counts add up to every rejection.
func TestRejectedConnectionsSummarized(t *testing.T) {
	cfgs := p2pSpec("tcp", 2).configs()
	c := startConfigs(t, cfgs, []string{"p1", "p2"})
	c.waitReady()
	addr := net.JoinHostPort(cfgs["p2"].Segments[0].Addr, "7000")
	hello, err := frame.Encode(&frame.Frame{Type: frame.Hello, Source: "stranger", Destination: "p2", NextHop: "p2",
		Path: []string{"stranger"}})
	if err != nil {
		t.Fatal(err)
	}
	const each = 30
	for i := range 2 * each {
		cn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 1 {
			_, _ = cn.Write(binary.BigEndian.AppendUint32(nil, uint32(len(hello))))
			_, _ = cn.Write(hello)
		}
		eventually(t, 10*time.Second, "the connection rejected", func() bool { return closedByPeer(cn) || i%2 == 0 })
		_ = cn.Close()
	}
	const noHello, stranger = "rejected connection without hello", "rejected connection from stranger: not a neighbour that dials"
	eventually(t, 10*time.Second, "every rejection counted in the log", func() bool {
		return rejectedLogged(c.node("p2"), noHello) == each && rejectedLogged(c.node("p2"), stranger) == each
	})
	lines := 0
	for _, l := range c.node("p2").logs.events(agent.EvLink) {
		if msg, _ := l["msg"].(string); strings.HasPrefix(msg, "rejected connection") {
			lines++
		}
	}
	if lines > 6 {
		t.Errorf("%d lines for %d rejected connections, want a summary a second of each kind", lines, 2*each)
	}
	if !c.agent("p2").Ready() {
		t.Errorf("p2 lost its link to p1")
	}
}
