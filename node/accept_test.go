package node_test

import (
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node"
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
		n := 0
		for _, l := range c.node("p2").logs.events(agent.EvLink) {
			if l["msg"] == "rejected connection without hello" {
				n++
			}
		}
		return n
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
