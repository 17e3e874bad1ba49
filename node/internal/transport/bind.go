package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"syscall"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/evlog"
	"github.com/topo-dev/topo/node/internal/sock"
)

// bindWait is how long Run waits for a segment address to appear, for a
// container whose networks are attached just after it starts.
const bindWait = 30 * time.Second

// Bind opens the TCP listener and UDP sockets of every segment.
func (a *Net) Bind(ctx context.Context) error {
	for _, s := range a.view().segs {
		if err := a.bindSegment(ctx, s); err != nil {
			return fmt.Errorf("node %q: segment %q: %w", a.name, s.name, err)
		}
	}
	return nil
}

func (a *Net) bindSegment(ctx context.Context, s *Segment) error {
	ap := netip.AddrPortFrom(s.addr, uint16(s.port))
	lc := net.ListenConfig{}
	if s.bcast.IsValid() {
		lc.Control = func(_, _ string, c syscall.RawConn) error { return sock.AllowBroadcast(c) }
	}
	err := retryBind(ctx, func() error {
		err := a.listenSegment(ctx, &lc, s, ap)
		if err != nil {
			s.close()
			s.tcp, s.udp, s.bconn = nil, nil, nil
		}
		return err
	})
	return err
}

func (a *Net) listenSegment(ctx context.Context, lc *net.ListenConfig, s *Segment, ap netip.AddrPort) error {
	l, err := lc.Listen(ctx, "tcp", ap.String())
	if err != nil {
		return err
	}
	s.tcp = l
	pc, err := lc.ListenPacket(ctx, "udp", ap.String())
	if err != nil {
		return err
	}
	s.udp = pc.(*net.UDPConn)
	datagramBuffers(s.udp)
	if s.bcast.IsValid() {
		blc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
			return errors.Join(sock.AllowBroadcast(c), sock.ShareAddr(c))
		}}
		bp, err := blc.ListenPacket(ctx, "udp", netip.AddrPortFrom(s.bcast, uint16(s.port)).String())
		if err != nil {
			return fmt.Errorf("broadcast socket: %w", err)
		}
		s.bconn = bp.(*net.UDPConn)
		datagramBuffers(s.bconn)
		if len(s.roster().members) > bigSegment {
			if err := sock.AttachNextHopFilter(s.bconn, a.name); err != nil {
				// It costs CPU, not correctness: the agent ignores them.
				a.event(slog.LevelWarn, agent.EvError, "no socket filter on "+s.name+": every frame wakes the agent", evlog.Err(err))
			}
		}
	}
	return nil
}

// datagramSocketBuffer is the send and receive buffer an agent asks for on
// its UDP sockets: the kernel gives at most net.core.rmem_max and wmem_max
// (4 MiB on Docker's usual hosts, 208 KiB by default). The default buffer
// holds about 160 datagrams, which a big shared segment delivers in a
// fraction of a second, and an agent on a loaded machine may not run for
// longer: the rest were lost in the kernel (RcvbufErrors).
const datagramSocketBuffer = 4 << 20

// datagramBuffers asks for bigger socket buffers; what the kernel refuses
// leaves the defaults, which work, only less well under load.
func datagramBuffers(c *net.UDPConn) {
	_ = c.SetReadBuffer(datagramSocketBuffer)
	_ = c.SetWriteBuffer(datagramSocketBuffer)
}

// retryBind retries fn while the address is not (yet) on any interface.
func retryBind(ctx context.Context, fn func() error) error {
	deadline := time.Now().Add(bindWait)
	for {
		err := fn()
		if err == nil || !errors.Is(err, syscall.EADDRNOTAVAIL) || time.Now().After(deadline) {
			return err
		}
		t := time.NewTimer(200 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}
