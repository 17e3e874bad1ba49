package transport

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/evlog"
	"github.com/topo-dev/topo/node/internal/frame"
	"github.com/topo-dev/topo/node/internal/sock"
	"github.com/topo-dev/topo/node/internal/transport/link"
)

// AcceptMargin is how many connections a segment's listener takes beyond
// one per neighbour that dials in: room for a neighbour's new connection
// while its old one is still being torn down, and for a probe or two.
const AcceptMargin = 4

// acceptLimit is how many accepted connections a segment serves at once.
func acceptLimit(s *Segment) int {
	n := AcceptMargin
	for _, l := range s.roster().links {
		if l.Kind() == link.TCP && !l.Neighbor().Dial {
			n++
		}
	}
	return n
}

// acceptLoop takes connections on a segment; the hello names the neighbour.
// It serves at most acceptLimit of them at a time, so that whoever else is
// on the segment cannot make it start goroutines without bound: one more
// is closed at once.
func (a *Net) acceptLoop(ctx context.Context, s *Segment, spawn func(func() error)) error {
	limit := acceptLimit(s)
	sem := make(chan struct{}, limit)
	refusals := &evlog.Summary{Emit: func(n int, remote, _ string) {
		a.event(slog.LevelWarn, agent.EvLink, fmt.Sprintf("refused connection from %s: %d connections already open on %s", remote, limit, s.name),
			evlog.Addr(remote), slog.String("segment", s.name), evlog.Reason("too_many_connections"), slog.Int("refused", n))
	}}
	defer refusals.Flush()
	for {
		c, err := sock.Accept(ctx, s.tcp, a.log, "accept on "+s.name)
		if err != nil {
			return fmt.Errorf("node %q: accept on %s: %w", a.name, s.name, err)
		}
		if c == nil {
			return nil
		}
		select {
		case sem <- struct{}{}:
		default:
			refusals.Add(c.RemoteAddr().String(), "")
			_ = c.Close()
			continue
		}
		if !a.track(c) {
			<-sem
			continue
		}
		spawn(func() error {
			defer func() { <-sem }()
			a.serveAccepted(ctx, s, c)
			return nil
		})
	}
}

// serveAccepted runs a connection accepted on s until it fails; untrack
// closes it however it ends. The link it names takes it only once its
// hellos passed every check (answerHello).
func (a *Net) serveAccepted(ctx context.Context, s *Segment, c net.Conn) {
	defer a.untrack(c)
	remote := c.RemoteAddr().String()
	_ = c.SetDeadline(time.Now().Add(a.o.Handshake))
	f, err := a.readFrame(c, s)
	var refused *refusedError
	switch {
	case errors.As(err, &refused):
		a.refuse(remote, refused.f, refused.why)
		return
	case err != nil || f.Type != frame.Hello:
		if ctx.Err() == nil {
			a.noHelloLog.Add(remote, errOrType(err, f))
		}
		return
	}
	l := a.view().links[f.Source]
	if l == nil || l.Kind() != link.TCP || l.Neighbor().Dial || segOf(l) != s {
		a.strangerLog.Add(remote, f.Source)
		return
	}
	if !s.plannedFrom(l.Name(), remoteAddr(c)) {
		a.refuse(remote, f, whyWrongAddr)
		return
	}
	if err := a.answerHello(c, l, f); err != nil {
		if errors.As(err, &refused) {
			a.refuse(remote, refused.f, refused.why)
		} else if ctx.Err() == nil {
			a.event(slog.LevelWarn, agent.EvLink, "hello to "+f.Source+" failed", evlog.Peer(f.Source), evlog.Err(err))
		}
		return
	}
	_ = c.SetDeadline(time.Time{})
	l.Attach(c)
	a.h.Connected(l, remote)
	a.readConn(ctx, l, c)
}

// remoteAddr is the address c comes from; the zero Addr if it has none.
func remoteAddr(c net.Conn) netip.Addr {
	if ta, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return ta.AddrPort().Addr().Unmap()
	}
	return netip.Addr{}
}

func errOrType(err error, f *frame.Frame) string {
	if err != nil {
		return err.Error()
	}
	return "first frame is " + f.Type.String()
}

// dialLoop keeps the connection to a neighbour this node dials, redialling
// with jittered exponential backoff.
func (a *Net) dialLoop(ctx context.Context, l *Link) error {
	backoff := a.o.BackoffStart
	for ctx.Err() == nil {
		c, err := a.dial(ctx, l)
		if err == nil {
			backoff = a.o.BackoffStart
			a.readConn(ctx, l, c)
			a.untrack(c)
		} else if ctx.Err() == nil {
			a.event(slog.LevelDebug, agent.EvLink, "dial "+l.String()+" failed", evlog.Peer(l.Name()), evlog.Err(err))
		}
		wait := backoff/2 + rand.N(backoff)
		backoff = min(2*backoff, a.o.BackoffMax)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
	}
	return nil
}

func (a *Net) dial(ctx context.Context, l *Link) (net.Conn, error) {
	d := net.Dialer{Timeout: a.o.Handshake, LocalAddr: &net.TCPAddr{IP: segOf(l).addr.AsSlice()}}
	c, err := d.DialContext(ctx, "tcp", a.dialTarget(l))
	if err != nil {
		return nil, err
	}
	if !a.track(c) {
		return nil, net.ErrClosed
	}
	_ = c.SetDeadline(time.Now().Add(a.o.Handshake))
	err = a.openHello(c, l)
	var refused *refusedError
	if errors.As(err, &refused) {
		a.refuse(l.String(), refused.f, refused.why)
	}
	if err != nil {
		a.untrack(c)
		return nil, fmt.Errorf("hello: %w", err)
	}
	_ = c.SetDeadline(time.Time{})
	l.Attach(c)
	return c, nil
}

// readBuffer is what a TCP link reads ahead: a few small frames. A hub of
// 249 spokes holds 1 MB of them.
const readBuffer = 4 << 10

// readConn hands every frame on c to the router until c fails, or until
// nothing, not even a heartbeat, has come for the dead interval: then the
// link goes down and its connection is closed, to be dialled again.
func (a *Net) readConn(ctx context.Context, l *Link, c net.Conn) {
	// One read takes in whatever frames have come, rather than two reads
	// (length, then frame) for each: a hop costs one system call less,
	// and a burst far fewer.
	r := bufio.NewReaderSize(c, readBuffer)
	for {
		_ = c.SetReadDeadline(time.Now().Add(a.o.DeadAfter))
		f, err := a.readFrame(r, segOf(l))
		var refused *refusedError
		if errors.As(err, &refused) {
			a.refuse(l.Name(), refused.f, refused.why) // the stream is intact: read on
			continue
		}
		if err != nil {
			var fe *frame.Error
			var ne net.Error
			switch {
			case errors.As(err, &fe):
				a.malformed(l.Name(), fe)
			case errors.As(err, &ne) && ne.Timeout():
				err = fmt.Errorf("silent for %v", a.o.DeadAfter)
			}
			if ctx.Err() != nil {
				err = nil
			}
			l.Detach(c, err)
			return
		}
		a.receive(f, l, nil)
	}
}
