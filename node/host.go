package node

import (
	"log/slog"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/evlog"
	"github.com/topo-dev/topo/node/internal/frame"
	"github.com/topo-dev/topo/node/internal/transport"
)

// host is the agent as its links see it (transport.Host), so that the
// methods they call stay off Agent's own.
type host struct{ a *Agent }

func (h host) Receive(f *frame.Frame, l *transport.Link, seg *transport.Segment) {
	h.a.receive(f, l, seg)
}

func (h host) DropQueued(f *frame.Frame, size int, l *transport.Link, reason string, err error) {
	a := h.a
	if f.Type == frame.Data && f.Destination == frame.Broadcast {
		a.event(slog.LevelWarn, agent.EvDrop, "broadcast copy dropped: "+reason, evlog.Peer(l.Name()), evlog.ID(f.ID), evlog.Reason(reason))
		return
	}
	a.dropSized(f, size, reason, err)
}

func (h host) Connected(l *transport.Link, remote string) {
	if isServer(h.a.cfg) {
		h.a.greet(l, remote)
	}
}

func (h host) LinkChanged(up bool)   { h.a.ready.changed(up) }
func (h host) Refused()              { h.a.cnt.refused.Add(1) }
func (h host) Malformed()            { h.a.cnt.malformed.Add(1) }
func (h host) Revoked(reason string) { h.a.cnt.revoke(reason) }

// ringHost is the agent as its ring node sees it (ring.Host).
type ringHost struct{ a *Agent }

func (h ringHost) Ready() bool                               { return h.a.Ready() }
func (h ringHost) Transmit(f *frame.Frame) string            { return h.a.transmit(f) }
func (h ringHost) Drop(f *frame.Frame, reason string) string { return h.a.drop(f, reason, nil) }
func (h ringHost) Admit(used, n int64) string                { return h.a.net.Admit(used, n) }
func (h ringHost) Release(n int64)                           { h.a.net.Release(n) }
