//go:build !linux

package capture

import (
	"errors"
	"github.com/topo-dev/topo/agent/capfilter"
	"time"
)

var errNotLinux = errors.New("packet capture needs Linux")

type socket struct{}

type packetInfo struct {
	at       time.Time
	length   int
	outgoing bool
}

func open(int, string, []capfilter.Insn) (*socket, error)    { return nil, errNotLinux }
func (*socket) read([]byte, []byte) (int, packetInfo, error) { return 0, packetInfo{}, errNotLinux }
func (*socket) dropped() (uint64, error)                     { return 0, errNotLinux }
func (*socket) close() error                                 { return nil }

const oobSize = 0
