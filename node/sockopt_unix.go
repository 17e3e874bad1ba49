//go:build unix

package node

import "syscall"

// allowBroadcast sets SO_BROADCAST so the socket may send to a segment's
// broadcast address.
func allowBroadcast(c syscall.RawConn) error {
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_BROADCAST, 1)
	}); err != nil {
		return err
	}
	return serr
}
