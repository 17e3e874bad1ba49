package node

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/frame"
)

// readUDP hands every datagram on c (a segment's socket) to the router.
func (a *Agent) readUDP(ctx context.Context, s *segment, c *net.UDPConn) error {
	buf := make([]byte, 64*1024+1)
	for {
		n, from, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			a.event(slog.LevelWarn, agent.EvError, "read on "+s.name, errAttr(err))
			continue
		}
		f, err := frame.Decode(buf[:n])
		if err != nil {
			a.malformed(from.String(), err)
			continue
		}
		if !a.admitDatagram(buf[:n], f, s, from) {
			continue
		}
		a.receive(f, nil, s)
	}
}

func (a *Agent) sendHello(l *link) {
	b, err := frame.Encode(a.hello(l.name()))
	if err == nil {
		err = a.sendHelloBytes(l.seg, l, b)
	}
	if err != nil {
		a.event(slog.LevelDebug, agent.EvLink, "hello to "+l.name()+" failed", peerAttr(l.name()), errAttr(err))
	}
}

func (a *Agent) putHello(s *segment) {
	h := a.hello(frame.Broadcast)
	b, err := frame.Encode(h)
	if err == nil {
		err = a.sendHelloBytes(s, nil, b)
	}
	if err != nil {
		a.event(slog.LevelDebug, agent.EvLink, "hello on "+s.name+" failed", errAttr(err))
	}
}

// sendHelloBytes sends a hello to l's neighbour, or puts it on s when l is
// nil. On an impaired segment it is delayed like any frame, never lost.
func (a *Agent) sendHelloBytes(s *segment, l *link, b []byte) error {
	if s.shaper != nil {
		if r := s.shaper.push(shaped{held: held{b: b}, l: l}, false); r != "" {
			return errors.New(r)
		}
		return nil
	}
	return a.helloGate(func() error {
		if l == nil {
			return s.put(b)
		}
		return s.sendTo(b, l.peer)
	})
}

// helloLoop keeps datagram links alive: hellos often while a link is down,
// less often while it is up, and a link silent for its dead interval (three
// up intervals) goes down.
func (a *Agent) helloLoop(ctx context.Context) error {
	tick := time.NewTicker(a.helloTick())
	defer tick.Stop()
	for {
		now := time.Now()
		segDown := map[*segment]bool{}
		for _, l := range a.linkList {
			if l.kind == kindTCP {
				continue
			}
			l.mu.Lock()
			if l.up && now.Sub(l.heard) > l.dead {
				l.setUp(false, "silent")
			}
			up := l.up
			due := !up || now.Sub(l.helloT) >= a.o.helloUp
			if due && l.kind == kindUDP {
				l.helloT = now
			}
			l.mu.Unlock()
			if l.kind == kindShared {
				segDown[l.seg] = segDown[l.seg] || !up
			} else if due {
				a.sendHello(l)
			}
		}
		for s, down := range segDown {
			every, downEvery := s.helloIntervals(a.o)
			if down {
				every = downEvery
			}
			if now.Sub(s.helloT) >= every {
				s.helloT = now
				a.putHello(s)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// helloTick is how often the hello loop runs: the shortest down interval
// of the segments it has datagram links on, so that a node on nothing but
// a big bus does not wake ten times a second to find nothing to do.
func (a *Agent) helloTick() time.Duration {
	tick := time.Duration(0)
	for _, l := range a.linkList {
		if l.kind == kindTCP {
			continue
		}
		if _, down := l.seg.helloIntervals(a.o); tick == 0 || down < tick {
			tick = down
		}
	}
	return max(tick, time.Millisecond)
}
