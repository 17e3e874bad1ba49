package transport

import (
	"context"
	"sync"

	"github.com/topo-dev/topo/node/internal/transport/link"
)

// runtime is what starting a segment or a link needs of the running
// agent, kept by Start so that Reconfigure can start them later, and
// what stops each of them alone.
type runtime struct {
	mu      sync.Mutex // held by Start and Reconfigure
	ctx     context.Context
	spawn   func(func() error)
	cancels map[any]context.CancelFunc // by *Segment and *Link
	hellos  bool                       // the hello loop runs
}

// startSegment runs a segment's accept loop, readers and shaper on a
// context of its own. Call with a.rt.mu held.
func (a *Net) startSegment(s *Segment) {
	ctx, cancel := context.WithCancel(a.rt.ctx)
	a.rt.cancels[s] = cancel
	spawn := a.rt.spawn
	spawn(func() error { return a.acceptLoop(ctx, s, spawn) })
	spawn(func() error { return a.readUDP(ctx, s, s.udp) })
	if s.bconn != nil {
		spawn(func() error { return a.readUDP(ctx, s, s.bconn) })
	}
	if s.shaper != nil {
		spawn(func() error { return s.shaper.Run(ctx) })
	}
}

// startLink runs a TCP link's write and dial loops on a context of its
// own, and the hello loop for a datagram link if it does not run yet.
// Call with a.rt.mu held.
func (a *Net) startLink(l *Link) {
	ctx, cancel := context.WithCancel(a.rt.ctx)
	a.rt.cancels[l] = cancel
	if l.Kind() == link.TCP {
		l.StartWriter(ctx, a.rt.spawn)
		if l.Neighbor().Dial {
			a.rt.spawn(func() error { return a.dialLoop(ctx, l) })
		}
		return
	}
	if !a.rt.hellos {
		a.rt.hellos = true
		hctx := a.rt.ctx
		a.rt.spawn(func() error { return a.helloLoop(hctx) })
	}
}

// stop cancels what startSegment or startLink started for x. Call with
// a.rt.mu held.
func (a *Net) stop(x any) {
	if cancel := a.rt.cancels[x]; cancel != nil {
		cancel()
		delete(a.rt.cancels, x)
	}
}

// stopAll cancels what every segment and link started, as the agent
// stops: a child context is cancelled only after its parent's Done
// closes, so a loop that saw its socket closed by Stop would otherwise
// find its own context still live, and take the close for a failure.
func (a *Net) stopAll() {
	a.rt.mu.Lock()
	defer a.rt.mu.Unlock()
	for x, cancel := range a.rt.cancels {
		cancel()
		delete(a.rt.cancels, x)
	}
}
