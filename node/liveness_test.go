package node_test

import (
	"context"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node"
)

// freezer is a TCP proxy that can stop passing bytes, one way or both, as
// a cut network (docker network disconnect) or a paused peer does: its
// connections stay open and nothing flows.
type freezer struct {
	ln net.Listener
	to string

	mu     sync.Mutex
	cond   *sync.Cond
	frozen [2]bool // [0]: dialer to acceptor, [1]: back
	conns  []net.Conn
}

func newFreezer(t *testing.T, to string) *freezer {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(nextAddr().String(), "0"))
	if err != nil {
		t.Fatal(err)
	}
	p := &freezer{ln: ln, to: to}
	p.cond = sync.NewCond(&p.mu)
	go p.serve()
	t.Cleanup(p.close)
	return p
}

func (p *freezer) addr() (string, int) {
	a := p.ln.Addr().(*net.TCPAddr)
	return a.IP.String(), a.Port
}

func (p *freezer) set(toAcceptor, back bool) {
	p.mu.Lock()
	p.frozen = [2]bool{toAcceptor, back}
	p.cond.Broadcast()
	p.mu.Unlock()
}

func (p *freezer) close() {
	_ = p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.frozen = [2]bool{}
	p.cond.Broadcast()
	p.mu.Unlock()
}

func (p *freezer) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		d, err := net.Dial("tcp", p.to)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, d)
		p.mu.Unlock()
		go p.pipe(d, c, 0)
		go p.pipe(c, d, 1)
	}
}

// pipe copies src to dst while direction dir is not frozen; when either
// side ends, both are closed.
func (p *freezer) pipe(dst, src net.Conn, dir int) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			for p.frozen[dir] {
				p.cond.Wait()
			}
			p.mu.Unlock()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// TestTCPLinkLiveness cuts a TCP link under the agents without closing
// it: both ends notice within a few seconds (heartbeats and a read
// deadline), a message sent meanwhile is accounted as link_down after the
// queue wait, and the link comes back once bytes flow again.
func TestTCPLinkLiveness(t *testing.T) {
	for _, tc := range []struct {
		name             string
		toAcceptor, back bool
		dead             time.Duration // 0: the default
	}{
		{"frozen both ways", true, true, 0},
		{"frozen towards the dialer, short heartbeat", false, true, 500 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := p2pSpec("tcp", 2)
			cfgs := s.configs()
			nb := &cfgs["p1"].Neighbors[0] // p2, which p1 dials
			px := newFreezer(t, net.JoinHostPort(nb.Addr, strconv.Itoa(nb.Port)))
			nb.Addr, nb.Port = px.addr()
			opts := []node.Option{node.WithQueue(256, 300*time.Millisecond)}
			dead := node.DefaultDeadAfter
			if tc.dead > 0 {
				dead = tc.dead
				opts = append(opts, node.WithHeartbeat(dead/5, dead))
			}
			c := startConfigs(t, cfgs, order(s), opts...)
			c.waitReady()
			c.send("p1", "p2")

			px.set(tc.toAcceptor, tc.back)
			start := time.Now()
			eventually(t, 3*dead, "both ends to see the link down", func() bool {
				return !c.agent("p1").Ready() && !c.agent("p2").Ready()
			})
			t.Logf("link down at both ends %v after the cut", time.Since(start).Round(10*time.Millisecond))
			silent := false
			for _, ev := range c.node("p1").logs.events(agent.EvLink) {
				r, _ := ev["reason"].(string)
				silent = silent || strings.HasPrefix(r, "silent")
			}
			if !silent {
				t.Errorf("p1 logged no link down for silence: %v", c.node("p1").logs.events(agent.EvLink))
			}

			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			r, err := c.agent("p1").Send(ctx, "p2", "while cut", true)
			if err != nil || r.Delivered || r.Reason != agent.ReasonLinkDown {
				t.Errorf("message sent while the link is cut: %+v, %v; want dropped as link_down", r, err)
			}

			px.set(false, false)
			c.waitReady()
			assertPath(t, c.send("p1", "p2").Path, "p1", "p2")
		})
	}
}
