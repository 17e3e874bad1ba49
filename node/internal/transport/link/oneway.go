package link

import (
	"log/slog"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/ack"
	"github.com/topo-dev/topo/node/internal/evlog"
)

// A link cut one way that topo did not say so of (a firewall, a filter put
// there by hand): the neighbour's hellos arrive, so the datagram link is
// up, but what this node sends it is never acknowledged. Such a link is
// one-way, not up, from the first frame it lost so until an ack comes
// again; both are logged. (A cut topo makes one way, it tells: see
// agent.LinkFault's Direction.) A TCP link cut one way loses its
// connection instead.

// unanswered says whether the link is up but a frame went unacknowledged
// since its last ack. Call with l.mu held.
func (l *Link) unanswered() bool { return l.kind != TCP && l.up && l.unacked }

// unackedSeen notes the frames lost unacknowledged while the link is up,
// and logs the link one-way when that makes it so. Call with l.mu held.
func (l *Link) unackedSeen(lost []ack.Lost[held]) {
	was := l.unanswered()
	for _, fl := range lost {
		l.unacked = l.unacked || fl.Reason == agent.ReasonUnacked
	}
	if !was && l.unanswered() {
		l.a.event(slog.LevelWarn, agent.EvLink, "link to "+l.Name()+" "+agent.LinkOneWay+": hellos arrive, acks do not",
			evlog.Peer(l.Name()), evlog.Reason(agent.ReasonUnacked))
	}
}

// ackHeard notes an ack, and logs the link both ways again when it was
// one-way for want of acks. Call with l.mu held.
func (l *Link) ackHeard() {
	was := l.unanswered()
	l.unacked = false
	if was {
		l.a.event(slog.LevelInfo, agent.EvLink, "link to "+l.Name()+": acks arrive again", evlog.Peer(l.Name()))
	}
}
