//go:build !linux

package node

import "net"

// attachNextHopFilter does nothing where there are no socket filters: the
// agent ignores those frames itself.
func attachNextHopFilter(*net.UDPConn, string) error { return nil }
