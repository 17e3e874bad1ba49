//go:build linux

package trace

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"
)

var ne = binary.NativeEndian // the kernel writes in the host's byte order

// The ABI of IP_RECVERR, from linux/errqueue.h and linux/icmp.h.
const (
	soEEOriginICMP  = 2  // SO_EE_ORIGIN_ICMP
	extErrLen       = 16 // struct sock_extended_err
	icmpDestUnreach = 3
	icmpPortUnreach = 3 // the code of icmpDestUnreach
	icmpTimeExceed  = 11
)

// recvErr is one error from the error queue: the sock_extended_err, and
// the offender, the address that sent the ICMP error.
type recvErr struct {
	errno    syscall.Errno
	origin   uint8
	typ      uint8
	code     uint8
	offender netip.Addr // invalid when the kernel gave none
}

// probe sends one UDP datagram with the TTL from a socket of its own, so
// that a late answer to an earlier probe cannot pass for this one's, and
// reads the ICMP error that comes back from the socket's error queue.
func probe(ctx context.Context, to netip.Addr, ttl int, perHop time.Duration) (answer, error) {
	c, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(to, uint16(BasePort+ttl))))
	if err != nil {
		return answer{}, err
	}
	defer c.Close()
	rc, err := c.SyscallConn()
	if err != nil {
		return answer{}, err
	}
	if err := setsockopts(rc, ttl); err != nil {
		return answer{}, err
	}
	start := time.Now()
	if _, err := c.Write([]byte("topo-node trace")); err != nil {
		return answer{}, err
	}
	_ = c.SetReadDeadline(start.Add(perHop))
	stop := context.AfterFunc(ctx, func() { _ = c.SetReadDeadline(time.Now()) })
	defer stop()
	e, err := readErrQueue(rc)
	rtt := time.Since(start)
	switch {
	case ctx.Err() != nil:
		return answer{}, ctx.Err()
	case errors.Is(err, os.ErrDeadlineExceeded):
		return answer{kind: silent}, nil
	case err != nil:
		return answer{}, err
	}
	a, err := e.answer(rtt)
	if la, ok := c.LocalAddr().(*net.UDPAddr); ok {
		a.local = la.AddrPort().Addr().Unmap()
	}
	return a, err
}

func setsockopts(rc syscall.RawConn, ttl int) error {
	var serr error
	err := rc.Control(func(fd uintptr) {
		if serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_RECVERR, 1); serr != nil {
			serr = fmt.Errorf("IP_RECVERR: %w", serr)
			return
		}
		if serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_TTL, ttl); serr != nil {
			serr = fmt.Errorf("IP_TTL %d: %w", ttl, serr)
		}
	})
	if err != nil {
		return err
	}
	return serr
}

// readErrQueue waits, through the runtime's poller (an error queued on the
// socket makes it readable), for one error on the queue, until the read
// deadline.
func readErrQueue(rc syscall.RawConn) (recvErr, error) {
	buf := make([]byte, 512)  // the probe's payload, echoed back
	oob := make([]byte, 1024) // the control messages
	var oobn int
	var rerr error
	err := rc.Read(func(fd uintptr) bool {
		for {
			_, oobn, _, _, rerr = syscall.Recvmsg(int(fd), buf, oob, syscall.MSG_ERRQUEUE)
			if rerr != syscall.EINTR {
				return rerr != syscall.EAGAIN // else wait until readable
			}
		}
	})
	if err != nil {
		return recvErr{}, err
	}
	if rerr != nil {
		return recvErr{}, fmt.Errorf("read the error queue: %w", rerr)
	}
	return parseRecvErr(oob[:oobn])
}

// parseRecvErr finds the IP_RECVERR control message among the ones
// recvmsg returned and decodes it.
func parseRecvErr(oob []byte) (recvErr, error) {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return recvErr{}, fmt.Errorf("control message: %w", err)
	}
	for _, m := range msgs {
		if m.Header.Level != syscall.SOL_IP || m.Header.Type != syscall.IP_RECVERR {
			continue
		}
		d := m.Data
		if len(d) < extErrLen {
			return recvErr{}, fmt.Errorf("IP_RECVERR: %d bytes, want %d at least", len(d), extErrLen)
		}
		e := recvErr{
			errno:  syscall.Errno(ne.Uint32(d[0:])),
			origin: d[4],
			typ:    d[5],
			code:   d[6],
		}
		// SO_EE_OFFENDER: a sockaddr_in right after the struct, its
		// family AF_UNSPEC when the kernel knows no offender.
		if off := d[extErrLen:]; len(off) >= 8 && ne.Uint16(off) == syscall.AF_INET {
			e.offender = netip.AddrFrom4([4]byte(off[4:8]))
		}
		return e, nil
	}
	return recvErr{}, errors.New("no IP_RECVERR control message")
}

// answer says what the error means for the trace.
func (e recvErr) answer(rtt time.Duration) (answer, error) {
	if e.origin != soEEOriginICMP {
		return answer{}, fmt.Errorf("local error: %w", e.errno)
	}
	a := answer{from: e.offender, rtt: rtt}
	switch {
	case e.typ == icmpTimeExceed:
		a.kind = timeExceeded
	case e.typ == icmpDestUnreach && e.code == icmpPortUnreach:
		a.kind = portUnreach
	default: // host or network unreachable, filtered, or stranger: the path ends there
		a.kind, a.why = unreachable, unreachWhy(e.typ, e.code)
	}
	if !a.from.IsValid() {
		return answer{}, fmt.Errorf("ICMP type %d code %d without the address that sent it", e.typ, e.code)
	}
	return a, nil
}

// unreachWhy says in words what an ICMP error other than time exceeded
// and port unreachable means (RFC 792, RFC 1812).
func unreachWhy(typ, code uint8) string {
	if typ != icmpDestUnreach {
		return fmt.Sprintf("ICMP type %d code %d", typ, code)
	}
	switch code {
	case 0, 6, 11:
		return "network unreachable"
	case 1, 7, 12:
		return "host unreachable"
	case 2:
		return "protocol unreachable"
	case 4:
		return "fragmentation needed"
	case 9, 10, 13:
		return "administratively prohibited"
	}
	return fmt.Sprintf("destination unreachable (code %d)", code)
}
