//go:build unix

package sock

import "syscall"

// AllowBroadcast sets SO_BROADCAST so the socket may send to a segment's
// broadcast address.
func AllowBroadcast(c syscall.RawConn) error { return setBool(c, syscall.SO_BROADCAST) }

// ShareAddr sets SO_REUSEADDR so that several sockets (several nodes on one
// host, as in tests) may bind the same broadcast address and port; each
// then gets a copy of every broadcast.
func ShareAddr(c syscall.RawConn) error { return setBool(c, syscall.SO_REUSEADDR) }

func setBool(c syscall.RawConn, opt int) error {
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, opt, 1)
	}); err != nil {
		return err
	}
	return serr
}
