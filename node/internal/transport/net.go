// Package transport is how the agent reaches its neighbours: one Link per
// neighbour, over TCP, UDP or a shared segment, behind one type, and the
// Segment each link is on with the sockets bound there. It frames, seals,
// queues, shapes, acknowledges and keeps alive what the agent hands it,
// and hands the agent (its Host) what it hears. Nothing outside this
// package asks which of the three a link is; a link says what the rest of
// the agent needs to know (Datagram, Shared).
//
// # Links
//
// A neighbour on a point-to-point segment is reached over one long-lived TCP
// connection (traffic protocol tcp), opened by the side whose Neighbor has
// Dial set and introduced by a hello frame each way, or by datagrams (udp),
// kept alive by hellos: every 100ms while the link is down, every 500ms
// while it is up. A datagram neighbour silent for more than a hello
// interval (500ms, plus two ticks of 100ms, plus twice the segment's
// jitter: 700ms by default) is in doubt, and one silent for three (1.5s) is
// down. A node that stops says bye (a Bye frame) on every link, once on a
// shared segment, and reads on for a moment (until 5ms pass quietly, at
// most 50ms) before it closes its sockets; its neighbours take their links
// to it down at once, and only a hello brings them back. A segment's
// listener serves at most one connection per neighbour that dials in plus
// a small margin at a time and closes any more at once (logged with reason
// too_many_connections); an accepted connection that sends no hello within
// 5s is closed. Connections rejected (refused beyond the bound, closed
// without a hello, or from a node that is not a neighbour that dials) are
// logged a line a second at most per kind, each line with the count since
// the last. A TCP link is kept honest by heartbeats: a side that has
// written nothing for a second writes a hello, and a side that has read
// nothing, not even a hello, for 4s takes the link down (reason "silent
// for 4s"), closes the connection and, if it dials, dials again; so a
// connection cut under the agents (docker network disconnect, a paused
// neighbour) shows within seconds, and the frames for it wait in the queue
// like those of any link that is down. Heartbeats go around the queue and
// the impairment. A failed accept (out of file descriptors, say) is logged
// and retried after a pause of 5ms doubling up to 1s, as net/http does.
// Shared segments always use datagrams: a frame is put on the segment once
// (to its broadcast address, or to each member when there is none) and
// every member sees it; only the next hop acts, the others count and log
// it as ignored. On a segment of more than 50 members with a broadcast
// address, a socket filter in the kernel drops the frames whose next hop
// is another member before the agent wakes for them (package sock): they
// are not counted as ignored there, and only hellos, byes and a node's own
// frames reach it. Frames for a link that is down wait in a bounded queue
// (queue_full when it is full, link_down when they waited too long:
// DefaultQueueWait, 3s, shorter than a control send's
// agent.DefaultSendTimeout, so that a send to a node behind a link that is
// down hears link_down rather than timeout).
//
// # Proof of the secret and impairment
//
// When Config.Secret is set, every hello and frame a node sends is sealed
// with its segment's key and what lacks a valid seal is refused (package
// seal; the TCP handshake's challenge is handshake.go). A segment's
// Impairment is applied by a shaper (package shaper) on egress. Runtime
// faults that topo tells the agent of (faults.go: a cut, by link down,
// partition or a neighbour stopped by topo; an impairment) drop frames for
// the link at once with the fault's reason, or shape them by the link's
// own shaper.
//
// # Acknowledgements
//
// Every data frame sent to a neighbour waits in its link's ledger
// (package ack) for an Ack frame; one that gets none is dropped, at the
// node that sent it, when the link goes down (link_down, node_down) or
// after the ack wait with the link up (unacked). A late ack revokes the
// drop (Counters.Revoked), and acks of the last 15 s are sent again when a
// link comes back up, in case a cut swallowed them.
package transport

import (
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/ack"
	"github.com/topo-dev/topo/node/internal/evlog"
	"github.com/topo-dev/topo/node/internal/frame"
	"github.com/topo-dev/topo/node/internal/seal"
	"github.com/topo-dev/topo/node/internal/transport/link"
)

// Host is the agent above the links: what a link hands up and tells.
type Host interface {
	link.Host
	// Receive handles a frame heard on l (TCP) or on seg (datagrams; l is
	// the sender's link, if it has one): all but hellos, byes and acks,
	// which the links keep to themselves.
	Receive(f *frame.Frame, l *Link, seg *Segment)
	// Connected says that l's neighbour connected from remote, or came up.
	Connected(l *Link, remote string)
	// Refused and Malformed count what a link refused for want of proof,
	// and heard that does not decode.
	Refused()
	Malformed()
}

// Net is the agent's links and segments. Make it with New; Bind, then
// Start it; Stop it when the agent stops.
type Net struct {
	h    Host
	o    Options
	cfg  *agent.Config
	log  *slog.Logger
	name string
	port int
	// v is the links and segments as they are now: read without a lock
	// on every frame, replaced whole by Reconfigure (reconfig.go).
	v  atomic.Pointer[view]
	rt runtime // what Reconfigure needs of the running agent

	env *link.Env // what the links share
	// malformedLog summarizes, at most a line a second, the undecodable
	// frames anyone on a segment can send in bulk.
	malformedLog *evlog.Summary
	// Each segment's key seals what the agent sends and checks what it
	// hears there (seal.go); refusedLog summarizes what lacks its proof,
	// and replay keeps the datagrams heard from being heard again.
	refusedLog *evlog.Summary
	replay     seal.Replay
	// noHelloLog and strangerLog summarize the connections rejected for
	// want of a hello, and those from nodes that are not neighbours that
	// dial this one.
	noHelloLog, strangerLog *evlog.Summary

	heard atomic.Int64 // when a frame was last heard on any link, unix ns

	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	closing bool
}

func (a *Net) event(level slog.Level, ev, msg string, attrs ...slog.Attr) {
	evlog.Event(a.log, level, ev, msg, attrs...)
}

// Link is the link to the named neighbour; nil if there is none.
func (a *Net) Link(name string) *Link { return a.view().links[name] }

// Links are the links in config order.
func (a *Net) Links() []*Link { return a.view().list }

// Segments are the node's segments in config order.
func (a *Net) Segments() []*Segment { return a.view().segs }

// Queued is what all the queues hold, in bytes.
func (a *Net) Queued() int64 { return a.env.Queued() }

// hello is a hello frame from this node to to.
func (a *Net) hello(to string) *frame.Frame { return a.env.Hello(to) }

// receive handles a frame heard on link l (tcp) or on segment seg
// (datagrams; l is then nil): what keeps the links (byes, hellos, acks)
// here, the rest by the host.
func (a *Net) receive(f *frame.Frame, l *Link, seg *Segment) {
	a.heard.Store(time.Now().UnixNano())
	sender := f.Sender()
	if sender == a.name {
		return // our own broadcast, looped back
	}
	if f.Type == frame.Bye {
		if l == nil {
			l = a.view().links[sender]
		}
		if l != nil {
			l.SawBye()
		}
		return
	}
	if l == nil {
		if l = a.view().links[sender]; l != nil && l.Kind() != link.TCP {
			if l.HeardFrom(f.Type == frame.Hello) {
				a.linkCameUp(l)
			}
		}
	}
	if seg == nil && l != nil {
		seg = segOf(l)
	}
	if l == nil && seg != nil && seg.shared && f.Type != frame.Hello && !seg.roster().members[sender] {
		// One that a new config took off the segment, or that an old
		// one does not have on it yet: it gets no ack, and counts the
		// frame at its end.
		a.refuse(sender, f, whyNotMember)
		return
	}
	switch f.Type {
	case frame.Hello:
		return
	case frame.Ack:
		if f.NextHop == a.name && l != nil {
			l.Acked(ack.Key{Src: string(f.Payload), ID: f.Ref})
		}
		return
	}
	a.h.Receive(f, l, seg)
}

// linkCameUp runs when a datagram link comes up: answer at once so the
// neighbour sees us too, and tell the host.
func (a *Net) linkCameUp(l *Link) {
	if l.Kind() == link.UDP {
		a.sendHello(l)
	} else if segOf(l).mayAnswerHello(a.o) {
		a.putHello(segOf(l))
	}
	l.Reack()
	a.h.Connected(l, l.Peer().String())
}

// malformed counts and logs something heard that is not a frame. It is
// counted apart from the drops, since no agent originated it.
func (a *Net) malformed(from string, err error) {
	a.h.Malformed()
	a.malformedLog.Add(from, err.Error())
}

// Admit charges n bytes of a queue of the agent's own (the ring's outbox)
// that holds used of its bound, against the bounds every queue shares. It
// returns queue_full when they do not fit, or "". Release gives them back.
func (a *Net) Admit(used, n int64) string { return a.env.Admit(used, n) }

// Release gives back n bytes that Admit charged.
func (a *Net) Release(n int64) { a.env.Release(n) }

// Ack acknowledges f, a data frame from l's neighbour, and reports whether
// it is to be handled: false for a copy of a frame already had.
func (a *Net) Ack(f *frame.Frame, l *Link) bool { return a.env.Ack(f, l) }
