package probe

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"syscall"
	"time"

	"github.com/topo-dev/topo/agent"
)

// tryICMP sends one echo request on a ping socket (SOCK_DGRAM,
// IPPROTO_ICMP), which needs no privilege where the namespace's
// net.ipv4.ping_group_range admits the user, as Docker sets it, and waits
// for the reply.
func tryICMP(ctx context.Context, t agent.ProbeTarget) error {
	ip, err := netip.ParseAddr(t.Addr)
	if err != nil || !ip.Is4() {
		return fmt.Errorf("icmp: %q is not an IPv4 address", t.Addr)
	}
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, syscall.IPPROTO_ICMP)
	if err != nil {
		return fmt.Errorf("icmp: ping socket: %w", err)
	}
	defer syscall.Close(fd)
	deadline, _ := ctx.Deadline()
	tv := syscall.NsecToTimeval(max(time.Until(deadline), time.Millisecond).Nanoseconds())
	if err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv); err != nil {
		return err
	}
	const seq = 1
	echo := []byte{8, 0, 0, 0, 0, 0, 0, seq, 't', 'o', 'p', 'o'} // the kernel sets the id
	binary.BigEndian.PutUint16(echo[2:], checksum(echo))
	if err := syscall.Sendto(fd, echo, 0, &syscall.SockaddrInet4{Addr: ip.As4()}); err != nil {
		return err
	}
	buf := make([]byte, 1500)
	for {
		n, _, err := syscall.Recvfrom(fd, buf, 0)
		if err != nil {
			if errors.Is(err, syscall.EAGAIN) {
				return os.ErrDeadlineExceeded
			}
			return err
		}
		if n >= 8 && buf[0] == 0 && buf[7] == seq { // an echo reply to this try
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// checksum is the Internet checksum of b.
func checksum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}
