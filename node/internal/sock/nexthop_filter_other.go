//go:build !linux

package sock

import "net"

// AttachNextHopFilter does nothing where there are no socket filters: the
// agent ignores those frames itself.
func AttachNextHopFilter(*net.UDPConn, string) error { return nil }
