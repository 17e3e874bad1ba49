//go:build linux

package netns

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ackTimeout bounds the wait for the kernel's answer to one request; the
// kernel answers at once, so only a wedged system waits this long.
const ackTimeout = 5 * time.Second

// Conn is a netlink socket in the namespace the process runs in: rtnetlink
// from Open, nfnetlink inside ReplaceFilter.
type Conn struct {
	fd   int
	seq  uint32
	what string // the protocol, for errors: "rtnetlink"
}

// Open opens an rtnetlink socket. It needs no privilege; the requests
// need CAP_NET_ADMIN.
func Open() (*Conn, error) { return dial(syscall.NETLINK_ROUTE, "rtnetlink") }

// dial opens a netlink socket of the protocol proto, which errors call
// what, with a timeout on answers and the kernel's reasons in words.
func dial(proto int, what string) (*Conn, error) {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, proto)
	if err != nil {
		return nil, fmt.Errorf("%s socket: %w", what, err)
	}
	c := &Conn{fd: fd, seq: uint32(time.Now().Unix()), what: what}
	if err := syscall.Bind(fd, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		c.Close()
		return nil, fmt.Errorf("%s bind: %w", what, err)
	}
	tv := syscall.NsecToTimeval(ackTimeout.Nanoseconds())
	if err := syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv); err != nil {
		c.Close()
		return nil, fmt.Errorf("%s timeout: %w", what, err)
	}
	// The kernel's reasons in words, without the request echoed back.
	// Older kernels lack them; the errno alone still says enough.
	_ = syscall.SetsockoptInt(fd, solNetlink, netlinkExtAck, 1)
	_ = syscall.SetsockoptInt(fd, solNetlink, netlinkCapAck, 1)
	return c, nil
}

// Close closes the socket.
func (c *Conn) Close() error { return syscall.Close(c.fd) }

// ReplaceRoute adds r to the main table, replacing any route to the same
// subnet. The error names the route, e.g. "route 10.210.0.16/29 via
// 10.210.0.2: network is unreachable" when no interface is on Via's
// subnet.
func (c *Conn) ReplaceRoute(r Route) error {
	c.seq++
	if err := c.do(routeMessage(c.seq, r)); err != nil {
		return fmt.Errorf("route %s: %w", r, err)
	}
	return nil
}

// SetRPFilter sets the reverse-path filter of the interface index to mode
// (0 off, 1 strict, 2 loose).
func (c *Conn) SetRPFilter(index int, mode uint32) error {
	c.seq++
	return c.do(devconfMessage(c.seq, index, ipv4DevconfRPF, mode))
}

// DisableRPFilter turns reverse-path filtering off on every interface but
// the loopback, so that a reply that comes back another way than its
// request left (around a ring) is accepted, and returns their names. It
// turns ICMP redirects off too: a node that relays on a LAN (a
// client-server LAN's server) would otherwise answer each relayed packet
// with a redirect, which spends its ICMP rate limit and leaves traceroutes
// with silent hops. It stops at the first interface that refuses.
func (c *Conn) DisableRPFilter() ([]string, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("list interfaces: %w", err)
	}
	var done []string
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		err := c.SetRPFilter(ifc.Index, 0)
		if err == nil {
			c.seq++
			err = c.do(devconfMessage(c.seq, ifc.Index, ipv4DevconfSendRedirects, 0))
		}
		if errors.Is(err, syscall.ENODEV) {
			continue // gone since the listing
		}
		if err != nil {
			return done, fmt.Errorf("rp_filter off on %s: %w", ifc.Name, err)
		}
		done = append(done, ifc.Name)
	}
	return done, nil
}

// AllRPFilter reads net.ipv4.conf.all.rp_filter. The kernel filters with
// the larger of it and an interface's own value, and no netlink request
// can change it, so when it is not 0 DisableRPFilter cannot turn strict
// filtering off: the container must be created with the sysctl at 0.
func AllRPFilter() (int, error) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/conf/all/rp_filter")
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

// do sends one request and waits for its ACK.
func (c *Conn) do(req []byte) error {
	if err := c.send(req); err != nil {
		return err
	}
	seq := ne.Uint32(req[8:])
	return c.answers(func(m syscall.NetlinkMessage) (bool, error) {
		if m.Header.Seq != seq || m.Header.Type != nlmsgError {
			return false, nil // not the answer to this request
		}
		return true, ackError(m.Header.Flags, m.Data)
	})
}

// send sends req, one request or a batch of them, to the kernel.
func (c *Conn) send(req []byte) error {
	if err := syscall.Sendto(c.fd, req, 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return fmt.Errorf("%s send: %w", c.what, err)
	}
	return nil
}

// answers reads the kernel's messages and hands each to f until f says it
// is done, or fails.
func (c *Conn) answers(f func(syscall.NetlinkMessage) (done bool, err error)) error {
	buf := make([]byte, 1<<16)
	for {
		n, _, err := syscall.Recvfrom(c.fd, buf, 0)
		if err == syscall.EINTR {
			continue
		}
		if err == syscall.EAGAIN {
			return fmt.Errorf("%s: no answer from the kernel in %v", c.what, ackTimeout)
		}
		if err != nil {
			return fmt.Errorf("%s answer: %w", c.what, err)
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			return fmt.Errorf("%s answer: %w", c.what, err)
		}
		for _, m := range msgs {
			if done, err := f(m); done || err != nil {
				return err
			}
		}
	}
}
