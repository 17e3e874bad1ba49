//go:build linux

package trace

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// cmsg builds the control message recvmsg(MSG_ERRQUEUE) returns after an
// ICMP error: a sock_extended_err then the offender's sockaddr_in.
func cmsg(errno syscall.Errno, origin, typ, code uint8, offender netip.Addr) []byte {
	d := ne.AppendUint32(nil, uint32(errno))
	d = append(d, origin, typ, code, 0)
	d = ne.AppendUint32(d, 0) // ee_info
	d = ne.AppendUint32(d, 0) // ee_data
	sin := make([]byte, syscall.SizeofSockaddrInet4)
	if offender.IsValid() {
		ne.PutUint16(sin, syscall.AF_INET)
		a := offender.As4()
		copy(sin[4:], a[:])
	}
	d = append(d, sin...)
	b := make([]byte, syscall.CmsgSpace(len(d)))
	h := (*syscall.Cmsghdr)(unsafe.Pointer(&b[0]))
	h.Level, h.Type = syscall.SOL_IP, syscall.IP_RECVERR
	h.SetLen(syscall.CmsgLen(len(d)))
	copy(b[syscall.CmsgLen(0):], d)
	return b
}

func TestParseRecvErr(t *testing.T) {
	router := netip.MustParseAddr("10.210.0.2")
	cases := []struct {
		name string
		oob  []byte
		want kind
	}{
		{"time exceeded", cmsg(syscall.EHOSTUNREACH, soEEOriginICMP, 11, 0, router), timeExceeded},
		{"port unreachable", cmsg(syscall.ECONNREFUSED, soEEOriginICMP, 3, 3, router), portUnreach},
		{"host unreachable", cmsg(syscall.EHOSTUNREACH, soEEOriginICMP, 3, 1, router), unreachable},
		{"admin prohibited", cmsg(syscall.EACCES, soEEOriginICMP, 3, 13, router), unreachable},
	}
	for _, c := range cases {
		e, err := parseRecvErr(c.oob)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		a, err := e.answer(time.Millisecond)
		if err != nil || a.kind != c.want || a.from != router || a.rtt != time.Millisecond {
			t.Errorf("%s: %+v, %v; want kind %d from %s", c.name, a, err, c.want, router)
		}
	}
}

func TestParseRecvErrRejects(t *testing.T) {
	local := cmsg(syscall.EMSGSIZE, 1, 0, 0, netip.Addr{}) // SO_EE_ORIGIN_LOCAL
	if e, err := parseRecvErr(local); err != nil {
		t.Fatal(err)
	} else if _, err := e.answer(0); !errors.Is(err, syscall.EMSGSIZE) {
		t.Errorf("a local error: %v; want EMSGSIZE", err)
	}
	anon := cmsg(syscall.EHOSTUNREACH, soEEOriginICMP, 11, 0, netip.Addr{})
	if e, err := parseRecvErr(anon); err != nil {
		t.Fatal(err)
	} else if _, err := e.answer(0); err == nil {
		t.Error("an ICMP error without an offender: no error")
	}
	other := cmsg(0, soEEOriginICMP, 11, 0, netip.MustParseAddr("10.0.0.1"))
	(*syscall.Cmsghdr)(unsafe.Pointer(&other[0])).Type = syscall.IP_TTL
	if _, err := parseRecvErr(other); err == nil {
		t.Error("no IP_RECVERR message: no error")
	}
	if _, err := parseRecvErr([]byte{1, 2, 3}); err == nil {
		t.Error("garbage: no error")
	}
	short := cmsg(0, soEEOriginICMP, 11, 0, netip.Addr{})
	h := (*syscall.Cmsghdr)(unsafe.Pointer(&short[0]))
	h.SetLen(syscall.CmsgLen(8))
	if _, err := parseRecvErr(short[:syscall.CmsgSpace(8)]); err == nil {
		t.Error("a short sock_extended_err: no error")
	}
}

// TestLoopback traces 127.0.0.1: delivered locally at TTL 1, where no
// one listens on the probe's port, so that the kernel answers port
// unreachable, which an unprivileged UDP socket reads back.
func TestLoopback(t *testing.T) {
	res, err := Run(context.Background(), netip.MustParseAddr("127.0.0.1"), Options{MaxHops: 3, PerHop: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Reached || len(res.Hops) != 1 || res.Hops[0].Addr != "127.0.0.1" || res.Hops[0].TTL != 1 {
		t.Errorf("trace 127.0.0.1 = %+v; want reached at TTL 1", res)
	}
}

// TestSilent traces an address that does not answer, with the port
// unreachable from the destination dropped: here, a port where a socket
// listens, so that nothing comes back and each hop times out.
func TestSilent(t *testing.T) {
	var socks []net.PacketConn
	defer func() {
		for _, s := range socks {
			_ = s.Close()
		}
	}()
	for ttl := 1; ttl <= 2; ttl++ {
		s, err := net.ListenPacket("udp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(BasePort+ttl)))
		if err != nil {
			t.Skipf("probe port taken: %v", err)
		}
		socks = append(socks, s)
	}
	start := time.Now()
	res, err := Run(context.Background(), netip.MustParseAddr("127.0.0.1"), Options{MaxHops: 2, PerHop: 100 * time.Millisecond})
	if err != nil || res.Reached || len(res.Hops) != 2 || res.Hops[0].Addr != "" {
		t.Errorf("trace to listening ports = %+v, %v; want two silent hops", res, err)
	}
	if d := time.Since(start); d < 200*time.Millisecond || d > 2*time.Second {
		t.Errorf("took %v; want about 2 × 100ms", d)
	}
}

func TestCancel(t *testing.T) {
	s, err := net.ListenPacket("udp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(BasePort+1)))
	if err != nil {
		t.Skipf("probe port taken: %v", err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = Run(ctx, netip.MustParseAddr("127.0.0.1"), Options{MaxHops: 1, PerHop: 10 * time.Second})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Errorf("cancelled after 50ms: %v after %v", err, time.Since(start))
	}
}
