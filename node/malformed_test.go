package node_test

import (
	"net"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/evlog"
)

// TestMalformedNotDropped sends a garbage datagram to a node, as a
// port scan would: it is counted as malformed, not as a drop, so
// originated = delivered + dropped still holds.
func TestMalformedNotDropped(t *testing.T) {
	s := p2pSpec("udp", 2)
	cfgs := s.configs()
	c := startConfigs(t, cfgs, []string{"p1", "p2"})
	c.waitReady()
	addr := net.JoinHostPort(cfgs["p2"].Segments[0].Addr, "7000")

	u, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	if _, err := u.Write([]byte("GET / HTTP/1.0\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the datagram counted as malformed", func() bool {
		return c.agent("p2").Stats().Counters.Malformed == 1
	})

	c.send("p1", "p2")
	var orig, done uint64
	for _, st := range c.stats() {
		orig += st.Counters.Originated
		done += st.Counters.Delivered + st.Counters.Dropped
		if st.Counters.DroppedByReason[agent.ReasonMalformed] != 0 {
			t.Errorf("%s: malformed counted as a drop: %+v", st.Name, st.Counters)
		}
	}
	if orig != done || orig != 1 {
		t.Errorf("originated %d, delivered + dropped %d; want 1 and 1", orig, done)
	}
	if n := len(c.node("p2").logs.events(agent.EvDrop)); n != 1 {
		t.Errorf("%d drop lines logged for the garbage, want 1", n)
	}
}

// TestMalformedFloodIsSummarized sends thousands of junk datagrams: each is
// counted, and the log gets a summary line a second, not a line each.
func TestMalformedFloodIsSummarized(t *testing.T) {
	cfgs := p2pSpec("udp", 2).configs()
	c := startConfigs(t, cfgs, []string{"p1", "p2"})
	c.waitReady()
	u, err := net.Dial("udp", net.JoinHostPort(cfgs["p2"].Segments[0].Addr, "7000"))
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	const junk = 2000
	began := time.Now()
	for range junk {
		if _, err := u.Write([]byte("junk")); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Microsecond) // stay within the socket's buffer
	}
	eventually(t, 10*time.Second, "every junk datagram counted", func() bool {
		return c.agent("p2").Stats().Counters.Malformed == junk
	})
	var logged float64
	eventually(t, 5*time.Second, "the summaries to add up to every datagram", func() bool {
		logged = 0
		for _, e := range c.node("p2").logs.events(agent.EvDrop) {
			n, _ := e["count"].(float64)
			logged += n
		}
		return logged == junk
	})
	// A summary a second, at most, over as long as the flood took to send
	// and count (seconds on a loaded machine, where a 50µs sleep is a
	// millisecond), and one written by its timer after the last.
	took := time.Since(began)
	if n, most := len(c.node("p2").logs.events(agent.EvDrop)), int(took/evlog.SummaryEvery)+2; n > most {
		t.Errorf("%d drop lines for %d junk datagrams in %v, want at most %d: a summary a second", n, junk, took, most)
	}
}
