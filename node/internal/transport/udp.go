package transport

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/evlog"
	"github.com/topo-dev/topo/node/internal/frame"
	"github.com/topo-dev/topo/node/internal/transport/link"
)

// readUDP hands every datagram on c (a segment's socket) to the router.
func (a *Net) readUDP(ctx context.Context, s *Segment, c *net.UDPConn) error {
	buf := make([]byte, 64*1024+1)
	for {
		n, from, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			a.event(slog.LevelWarn, agent.EvError, "read on "+s.name, evlog.Err(err))
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

func (a *Net) sendHello(l *Link) {
	b, err := frame.Encode(a.hello(l.Name()))
	if err == nil {
		err = a.sendHelloBytes(segOf(l), l, b)
	}
	if err != nil {
		a.event(slog.LevelDebug, agent.EvLink, "hello to "+l.Name()+" failed", evlog.Peer(l.Name()), evlog.Err(err))
	}
}

func (a *Net) putHello(s *Segment) {
	h := a.hello(frame.Broadcast)
	b, err := frame.Encode(h)
	if err == nil {
		err = a.sendHelloBytes(s, nil, b)
	}
	if err != nil {
		a.event(slog.LevelDebug, agent.EvLink, "hello on "+s.name+" failed", evlog.Err(err))
	}
}

// sendHelloBytes sends a hello to l's neighbour, or puts it on s when l is
// nil. On an impaired segment it is delayed like any frame, never lost.
func (a *Net) sendHelloBytes(s *Segment, l *Link, b []byte) error {
	if s.shaper != nil {
		if r := link.Push(s.shaper, nil, b, l, false); r != "" {
			return errors.New(r)
		}
		return nil
	}
	return a.env.HelloGate(func() error {
		if l == nil {
			return s.put(b)
		}
		return s.sendTo(b, l.Peer())
	})
}

// helloLoop keeps datagram links alive: hellos often while a link is down,
// less often while it is up, and a link silent for its dead interval (three
// up intervals) goes down.
func (a *Net) helloLoop(ctx context.Context) error {
	tick := time.NewTicker(a.helloTick())
	defer tick.Stop()
	for {
		now := time.Now()
		segDown := map[*Segment]bool{}
		for _, l := range a.view().list {
			if l.Kind() == link.TCP {
				continue
			}
			up, due := l.HelloDue(now)
			if l.Kind() == link.Shared {
				segDown[segOf(l)] = segDown[segOf(l)] || !up
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
func (a *Net) helloTick() time.Duration {
	tick := time.Duration(0)
	for _, l := range a.view().list {
		if l.Kind() == link.TCP {
			continue
		}
		if _, down := segOf(l).helloIntervals(a.o); tick == 0 || down < tick {
			tick = down
		}
	}
	return max(tick, time.Millisecond)
}
