//go:build linux

package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/topo-dev/topo/agent/capfilter"
	"os"
	"syscall"
	"time"
	"unsafe"
)

// Linux constants the syscall package does not name.
const (
	solPacket         = 263 // SOL_PACKET
	packetStatistics  = 6   // PACKET_STATISTICS
	packetOutgoing    = 4   // sockaddr_ll.sll_pkttype of a packet the host sent
	scmTimestampNS    = syscall.SO_TIMESTAMPNS
	ethPAll           = syscall.ETH_P_ALL
	socketRecvBufSize = 4 << 20
)

// socket is an AF_PACKET socket bound to one interface, read through the
// runtime's poller, so that closing it ends a blocked read.
type socket struct {
	f  *os.File
	rc syscall.RawConn
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// open opens a packet socket on interface ifindex. The filter goes on
// before the socket is bound: a socket bound first would see, for a
// moment, every packet of every interface.
func open(ifindex int, name string, prog []capfilter.Insn) (*socket, error) {
	fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_RAW|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, syscall.EPERM) {
			return nil, fmt.Errorf("packet socket: %w (a capture needs CAP_NET_RAW)", err)
		}
		return nil, fmt.Errorf("packet socket: %w", err)
	}
	fail := func(what string, err error) (*socket, error) {
		syscall.Close(fd)
		return nil, fmt.Errorf("packet socket on %s: %s: %w", name, what, err)
	}
	if len(prog) > 0 {
		filter := make([]syscall.SockFilter, len(prog))
		for i, in := range prog {
			filter[i] = syscall.SockFilter{Code: in.Op, Jt: in.Jt, Jf: in.Jf, K: in.K}
		}
		fprog := syscall.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
		_, _, errno := syscall.Syscall6(syscall.SYS_SETSOCKOPT, uintptr(fd), syscall.SOL_SOCKET, syscall.SO_ATTACH_FILTER,
			uintptr(unsafe.Pointer(&fprog)), unsafe.Sizeof(fprog), 0)
		if errno != 0 {
			return fail("attach filter", errno)
		}
	}
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1); err != nil {
		return fail("timestamps", err)
	}
	// A larger buffer rides out a burst; the kernel caps it at rmem_max
	// without complaint.
	_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF, socketRecvBufSize)
	if err := syscall.Bind(fd, &syscall.SockaddrLinklayer{Protocol: htons(ethPAll), Ifindex: ifindex}); err != nil {
		return fail("bind", err)
	}
	f := os.NewFile(uintptr(fd), "packet:"+name)
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("packet socket on %s: %w", name, err)
	}
	return &socket{f: f, rc: rc}, nil
}

// packetInfo is what the kernel says of a packet besides its bytes.
type packetInfo struct {
	at       time.Time
	length   int // on the wire; more than read when the snap length cut it
	outgoing bool
}

// read reads one packet into buf. It returns os.ErrClosed once the socket
// is closed.
func (s *socket) read(buf, oob []byte) (int, packetInfo, error) {
	var n, oobn int
	var from syscall.Sockaddr
	var err error
	rerr := s.rc.Read(func(fd uintptr) bool {
		// MSG_TRUNC makes a packet socket return the packet's whole length.
		n, oobn, _, from, err = syscall.Recvmsg(int(fd), buf, oob, syscall.MSG_TRUNC)
		return err != syscall.EAGAIN
	})
	if rerr != nil {
		return 0, packetInfo{}, rerr
	}
	if err != nil {
		return 0, packetInfo{}, err
	}
	info := packetInfo{at: timestamp(oob[:oobn]), length: n}
	if ll, ok := from.(*syscall.SockaddrLinklayer); ok {
		info.outgoing = ll.Pkttype == packetOutgoing
	}
	return min(n, len(buf)), info, nil
}

// timestamp is when the kernel saw a packet, from its SCM_TIMESTAMPNS
// control message, or now when there is none.
func timestamp(oob []byte) time.Time {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err == nil {
		for _, m := range msgs {
			if m.Header.Level == syscall.SOL_SOCKET && m.Header.Type == scmTimestampNS && len(m.Data) >= 16 {
				sec := int64(binary.NativeEndian.Uint64(m.Data))
				nsec := int64(binary.NativeEndian.Uint64(m.Data[8:]))
				return time.Unix(sec, nsec)
			}
		}
	}
	return time.Now()
}

// dropped returns how many packets the kernel dropped on this socket since
// the last call, for want of room in its buffer.
func (s *socket) dropped() (uint64, error) {
	var st struct{ packets, drops uint32 } // struct tpacket_stats
	var serr error
	err := s.rc.Control(func(fd uintptr) {
		l := uint32(unsafe.Sizeof(st))
		_, _, e := syscall.Syscall6(syscall.SYS_GETSOCKOPT, fd, solPacket, packetStatistics,
			uintptr(unsafe.Pointer(&st)), uintptr(unsafe.Pointer(&l)), 0)
		if e != 0 {
			serr = e
		}
	})
	if err == nil {
		err = serr
	}
	return uint64(st.drops), err
}

func (s *socket) close() error { return s.f.Close() }

// oobSize holds one SCM_TIMESTAMPNS message.
var oobSize = syscall.CmsgSpace(16)
