package node

import (
	"net"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// attachNextHopFilter puts nextHopFilter(self) on c: the kernel then
// keeps from it the frames whose next hop is another member.
func attachNextHopFilter(c *net.UDPConn, self string) error {
	prog, err := nextHopFilter(self)
	if err != nil {
		return err
	}
	raw, err := bpf.Assemble(prog)
	if err != nil {
		return err
	}
	filter := make([]unix.SockFilter, len(raw))
	for i, r := range raw {
		filter[i] = unix.SockFilter{Code: r.Op, Jt: r.Jt, Jf: r.Jf, K: r.K}
	}
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptSockFprog(int(fd), unix.SOL_SOCKET, unix.SO_ATTACH_FILTER,
			&unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]})
	}); err != nil {
		return err
	}
	return serr
}
