package sock

import (
	"fmt"
	"net"
	"syscall"
	"unsafe"

	"github.com/topo-dev/topo/node/internal/frame"
)

// On a big shared segment every member hears every frame put on it, and
// all but one ignore it: on a bus of 250 an agent woke some 170 times a
// second for frames that were not its own, and the agents together kept
// more than a core and a half busy. There, a socket filter in the kernel
// drops those frames before they reach the agent: frames that only their
// next hop acts on (data, acks, receipts, tokens, greetings) whose next
// hop is another member. Hellos and byes still reach every member, which
// keep its links alive; what the filter drops is not counted as ignored.
//
// The filter is classic BPF written with the standard library alone: the
// node image is built from the agent's source without downloading a
// module.

// udpHeaderLen is where a UDP socket's filter finds the datagram's
// payload: the filter sees the UDP header first.
const udpHeaderLen = 8

// Offsets in an encoded frame (see frame.Append): version, type, flags,
// TTL, three 64-bit numbers, then the source's length and bytes.
const (
	offVersion   = 0
	offType      = 1
	offSourceLen = 28
)

// keepAll is the filter's verdict on a frame it lets through: all of it.
const keepAll = 0xFFFFFFFF

// AttachNextHopFilter puts nextHopFilter(self) on c: the kernel then
// keeps from it the frames whose next hop is another member.
func AttachNextHopFilter(c *net.UDPConn, self string) error {
	prog, err := nextHopFilter(self)
	if err != nil {
		return err
	}
	fprog := syscall.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var errno syscall.Errno
	if err := rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall6(syscall.SYS_SETSOCKOPT, fd, syscall.SOL_SOCKET, syscall.SO_ATTACH_FILTER,
			uintptr(unsafe.Pointer(&fprog)), unsafe.Sizeof(fprog), 0)
	}); err != nil {
		return err
	}
	if errno != 0 {
		return fmt.Errorf("attach socket filter: %w", errno)
	}
	return nil
}

// nextHopFilter is the filter of a member named self: it drops a frame
// that only its next hop acts on when the next hop is neither self nor
// frame.Broadcast, and lets everything else through, including what it
// cannot read (the agent counts that as malformed).
func nextHopFilter(self string) ([]syscall.SockFilter, error) {
	p := &filterProgram{}
	p.stmt(syscall.BPF_LD|syscall.BPF_W|syscall.BPF_LEN, 0)
	p.jump(syscall.BPF_JGE, udpHeaderLen+offSourceLen+1, labelNext, labelAccept)
	p.stmt(syscall.BPF_LD|syscall.BPF_B|syscall.BPF_ABS, udpHeaderLen+offVersion)
	p.jump(syscall.BPF_JEQ, frame.Version, labelNext, labelAccept)
	p.stmt(syscall.BPF_LD|syscall.BPF_B|syscall.BPF_ABS, udpHeaderLen+offType)
	for _, t := range []frame.Type{frame.Hello, frame.Bye} {
		p.jump(syscall.BPF_JEQ, uint32(t), labelAccept, labelNext)
	}
	p.jump(syscall.BPF_JGT, uint32(frame.Ack), labelAccept, labelNext)
	// X walks the names: the source's length, the destination's, the
	// next hop's; a length past the end lets the frame through.
	p.stmt(syscall.BPF_LDX|syscall.BPF_IMM, udpHeaderLen+offSourceLen)
	for range 2 {
		p.skipName()
	}
	// A valid frame goes on for at least the path's count after the next
	// hop's length byte, so that "*" may be read.
	p.checkLen(2)
	p.stmt(syscall.BPF_LD|syscall.BPF_B|syscall.BPF_IND, 0)
	p.jump(syscall.BPF_JEQ, 1, labelNext, labelSkip(3))
	p.stmt(syscall.BPF_LD|syscall.BPF_B|syscall.BPF_IND, 1)
	p.jump(syscall.BPF_JEQ, uint32(frame.Broadcast[0]), labelAccept, labelNext)
	p.stmt(syscall.BPF_LD|syscall.BPF_B|syscall.BPF_IND, 0)
	p.jump(syscall.BPF_JEQ, uint32(len(self)), labelNext, labelDrop)
	p.checkLen(1 + uint32(len(self)))
	p.matchName(self)
	return p.resolve()
}
