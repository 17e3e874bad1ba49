package node

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
	"github.com/topo-dev/topo/node/frame"
)

// handshakeTimeout is how long a new TCP connection has to exchange hellos;
// an accepted one that names no neighbour by then is closed.
const handshakeTimeout = 5 * time.Second

// acceptMargin is how many connections a segment's listener takes beyond
// one per neighbour that dials in: room for a neighbour's new connection
// while its old one is still being torn down, and for a probe or two.
const acceptMargin = 4

func (a *Agent) hello(to string) *frame.Frame {
	return &frame.Frame{Type: frame.Hello, Source: a.name, Destination: to, NextHop: to, Path: []string{a.name}}
}

// The pause after a failed accept starts at acceptRetryMin and doubles up
// to acceptRetryMax, as net/http's does.
const (
	acceptRetryMin = 5 * time.Millisecond
	acceptRetryMax = time.Second
)

// accept takes the next connection on ln. A failure other than a closed
// listener (running out of file descriptors, say) is logged and retried
// after a pause, so that it cannot stop the agent. It returns nil, nil once
// ctx is done, and the error when ln is closed while the agent runs.
func (a *Agent) accept(ctx context.Context, ln net.Listener, what string) (net.Conn, error) {
	var wait time.Duration
	for {
		c, err := ln.Accept()
		switch {
		case err == nil:
			return c, nil
		case ctx.Err() != nil:
			if c != nil {
				_ = c.Close()
			}
			return nil, nil
		case errors.Is(err, net.ErrClosed):
			return nil, err
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			continue
		}
		wait = min(max(2*wait, acceptRetryMin), acceptRetryMax)
		a.event(slog.LevelWarn, agent.EvError, what+" failed, retrying in "+wait.String(), errAttr(err))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, nil
		case <-t.C:
		}
	}
}

// acceptLimit is how many accepted connections a segment serves at once.
func acceptLimit(s *segment) int {
	n := acceptMargin
	for _, l := range s.links {
		if l.kind == kindTCP && !l.nb.Dial {
			n++
		}
	}
	return n
}

// acceptLoop takes connections on a segment; the hello names the neighbour.
// It serves at most acceptLimit of them at a time, so that whoever else is
// on the segment cannot make it start goroutines without bound: one more
// is closed at once.
func (a *Agent) acceptLoop(ctx context.Context, s *segment, spawn func(func() error)) error {
	limit := acceptLimit(s)
	sem := make(chan struct{}, limit)
	refusals := &refusalLog{emit: func(n int, remote, _ string) {
		a.event(slog.LevelWarn, agent.EvLink, fmt.Sprintf("refused connection from %s: %d connections already open on %s", remote, limit, s.name),
			addrAttr(remote), slog.String("segment", s.name), reasonAttr("too_many_connections"), slog.Int("refused", n))
	}}
	defer refusals.flush()
	for {
		c, err := a.accept(ctx, s.tcp, "accept on "+s.name)
		if err != nil {
			return fmt.Errorf("node %q: accept on %s: %w", a.name, s.name, err)
		}
		if c == nil {
			return nil
		}
		select {
		case sem <- struct{}{}:
		default:
			refusals.add(c.RemoteAddr().String(), "")
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
func (a *Agent) serveAccepted(ctx context.Context, s *segment, c net.Conn) {
	defer a.untrack(c)
	remote := c.RemoteAddr().String()
	_ = c.SetDeadline(time.Now().Add(a.o.handshake))
	f, err := a.readFrame(c, s)
	var refused *refusedError
	switch {
	case errors.As(err, &refused):
		a.refuse(remote, refused.f, refused.why)
		return
	case err != nil || f.Type != frame.Hello:
		if ctx.Err() == nil {
			a.noHelloLog.add(remote, errOrType(err, f))
		}
		return
	}
	l := a.links[f.Source]
	if l == nil || l.kind != kindTCP || l.nb.Dial || l.seg != s {
		a.strangerLog.add(remote, f.Source)
		return
	}
	if !s.plannedFrom(l.name(), remoteAddr(c)) {
		a.refuse(remote, f, whyWrongAddr)
		return
	}
	if err := a.answerHello(c, l, f); err != nil {
		if errors.As(err, &refused) {
			a.refuse(remote, refused.f, refused.why)
		} else if ctx.Err() == nil {
			a.event(slog.LevelWarn, agent.EvLink, "hello to "+f.Source+" failed", peerAttr(f.Source), errAttr(err))
		}
		return
	}
	_ = c.SetDeadline(time.Time{})
	l.attach(c)
	if a.isServer() {
		a.greet(l, remote)
	}
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
func (a *Agent) dialLoop(ctx context.Context, l *link) error {
	backoff := a.o.backoffStart
	for ctx.Err() == nil {
		c, err := a.dial(ctx, l)
		if err == nil {
			backoff = a.o.backoffStart
			a.readConn(ctx, l, c)
			a.untrack(c)
		} else if ctx.Err() == nil {
			a.event(slog.LevelDebug, agent.EvLink, "dial "+l.String()+" failed", peerAttr(l.name()), errAttr(err))
		}
		wait := backoff/2 + rand.N(backoff)
		backoff = min(2*backoff, a.o.backoffMax)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
	}
	return nil
}

func (a *Agent) dial(ctx context.Context, l *link) (net.Conn, error) {
	d := net.Dialer{Timeout: a.o.handshake, LocalAddr: &net.TCPAddr{IP: l.seg.addr.AsSlice()}}
	c, err := d.DialContext(ctx, "tcp", a.dialTarget(l))
	if err != nil {
		return nil, err
	}
	if !a.track(c) {
		return nil, net.ErrClosed
	}
	_ = c.SetDeadline(time.Now().Add(a.o.handshake))
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
	l.attach(c)
	return c, nil
}

// readBuffer is what a TCP link reads ahead: a few small frames. A hub of
// 249 spokes holds 1 MB of them.
const readBuffer = 4 << 10

// readConn hands every frame on c to the router until c fails, or until
// nothing, not even a heartbeat, has come for the dead interval: then the
// link goes down and its connection is closed, to be dialled again.
func (a *Agent) readConn(ctx context.Context, l *link, c net.Conn) {
	// One read takes in whatever frames have come, rather than two reads
	// (length, then frame) for each: a hop costs one system call less,
	// and a burst far fewer.
	r := bufio.NewReaderSize(c, readBuffer)
	for {
		_ = c.SetReadDeadline(time.Now().Add(a.o.deadAfter))
		f, err := a.readFrame(r, l.seg)
		var refused *refusedError
		if errors.As(err, &refused) {
			a.refuse(l.name(), refused.f, refused.why) // the stream is intact: read on
			continue
		}
		if err != nil {
			var fe *frame.Error
			var ne net.Error
			switch {
			case errors.As(err, &fe):
				a.malformed(l.name(), fe)
			case errors.As(err, &ne) && ne.Timeout():
				err = fmt.Errorf("silent for %v", a.o.deadAfter)
			}
			if ctx.Err() != nil {
				err = nil
			}
			l.detach(c, err)
			return
		}
		a.receive(f, l, nil)
	}
}
