package node_test

import (
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/node"
)

// closedByPeer reports whether the other end has closed c.
func closedByPeer(c net.Conn) bool {
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Millisecond))
	_, err := c.Read(make([]byte, 1))
	return err != nil && !errors.Is(err, os.ErrDeadlineExceeded)
}

// TestAcceptBound floods a node's listener with connections that never say
// hello: beyond a few, they are closed at once with a logged reason, the
// rest when their hello is overdue, and the neighbour's link stays up.
func TestAcceptBound(t *testing.T) {
	const hello = 1500 * time.Millisecond
	s := p2pSpec("tcp", 2)
	cfgs := s.configs()
	c := startConfigs(t, cfgs, []string{"p1", "p2"}, node.WithHandshakeTimeout(hello))
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
	start := time.Now()
	for range flood {
		cn, err := net.DialTimeout("tcp", addr, time.Second)
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
	eventually(t, hello/2, "the connections beyond the bound to be closed", func() bool {
		still = open()
		return len(still) <= node.AcceptMargin
	})
	if len(still) != node.AcceptMargin {
		t.Errorf("%d of %d connections left open, want %d", len(still), flood, node.AcceptMargin)
	}
	refused := c.node("p2").logs.events(node.EvLink)
	n := 0
	for _, l := range refused {
		if l["reason"] == "too_many_connections" {
			n++
			if msg, _ := l["msg"].(string); !strings.HasPrefix(msg, "refused connection from 127.") {
				t.Errorf("refusal logged as %q", msg)
			}
		}
	}
	if n == 0 || n > 2 {
		t.Errorf("%d refusals logged for one burst, want 1 or 2: %s", n, tail(c.node("p2").logs.String(), 20))
	}

	eventually(t, 3*hello, "the connections without hello to be closed", func() bool {
		return len(open()) == 0
	})
	if d := time.Since(start); d < hello-100*time.Millisecond {
		t.Errorf("connections without hello closed after %v, before the %v they have", d, hello)
	}
	silent := 0
	for _, l := range c.node("p2").logs.events(node.EvLink) {
		if l["msg"] == "rejected connection without hello" {
			silent++
		}
	}
	if silent != node.AcceptMargin {
		t.Errorf("%d connections rejected for want of a hello, want %d", silent, node.AcceptMargin)
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
