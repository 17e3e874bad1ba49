package transport

import (
	"log/slog"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/evlog"
	"github.com/topo-dev/topo/node/internal/frame"
	"github.com/topo-dev/topo/node/internal/transport/link"
)

// After its byes a stopping agent goes on reading until it has heard
// nothing for byeQuiet since the byes and nothing it sent waits for an ack
// (but no longer than link.ByeGrace, or ackGrace while acks are awaited):
// what its neighbours sent before they heard the byes is still delivered,
// or dropped and counted (as stopped), rather than left unread in a socket
// that is closed; and the acks of what it sent just before (a neighbour
// writes the acks it owes when it reads the bye) take those frames off its
// ledger. Counted as stopped, a frame the neighbour took would be counted
// twice.
const byeQuiet = 5 * time.Millisecond

// linger waits, after the byes, for the neighbours to fall quiet and for
// the acks of what is in flight. The quiet is measured from the byes, not
// from the last frame heard: a node that heard nothing for a while before
// it stopped still waits for the answers to what it sent last. It waits
// link.ByeGrace at most for the quiet, and ackGrace for the acks, which a
// loaded machine's neighbour may take longer to send.
func (a *Net) linger() {
	if a.o.NoBye || len(a.view().list) == 0 {
		return
	}
	start := time.Now()
	for {
		now := time.Now()
		last := time.Unix(0, max(a.heard.Load(), start.UnixNano()))
		waits := a.env.InFlight()
		switch {
		case !waits && (now.Sub(last) >= byeQuiet || now.Sub(start) > link.ByeGrace):
			return
		case now.Sub(start) > ackGrace:
			return
		}
		time.Sleep(byeQuiet / 2)
	}
}

// ackGrace bounds how long a stopping agent waits for the acks of what it
// sent: what is still unacknowledged then is counted as stopped.
const ackGrace = 250 * time.Millisecond

func (a *Net) bye(to string) *frame.Frame {
	return &frame.Frame{Type: frame.Bye, Source: a.name, Destination: to, NextHop: to, Path: []string{a.name}}
}

// sayBye tells every neighbour that this node is stopping, so that their
// links to it go down at once rather than once its hellos are missed: a
// bye on each TCP connection and to each UDP neighbour, and one put on
// each shared segment. It goes around the queues and shapers, which are
// stopping too, and waits for nothing.
func (a *Net) sayBye() {
	a.env.Bye(func() {
		if a.o.NoBye || len(a.view().list) == 0 {
			return
		}
		shared := map[*Segment]bool{}
		for _, l := range a.view().list {
			if l.Kind() == link.Shared {
				shared[segOf(l)] = true
			} else if err := l.SayBye(a.bye(l.Name())); err != nil {
				a.event(slog.LevelDebug, agent.EvLink, "bye to "+l.Name()+" failed", evlog.Peer(l.Name()), evlog.Err(err))
			}
		}
		for s := range shared {
			b, err := frame.Encode(a.bye(frame.Broadcast))
			if err == nil {
				err = s.put(b)
			}
			if err != nil {
				a.event(slog.LevelDebug, agent.EvLink, "bye on "+s.name+" failed", evlog.Err(err))
			}
		}
	})
}
