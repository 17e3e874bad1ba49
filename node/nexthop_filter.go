package node

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/net/bpf"

	"github.com/topo-dev/topo/node/frame"
)

// On a big shared segment every member hears every frame put on it, and
// all but one ignore it: on a bus of 250 an agent woke some 170 times a
// second for frames that were not its own, and the agents together kept
// more than a core and a half busy. There, a socket filter in the kernel
// drops those frames before they reach the agent: frames that only their
// next hop acts on (data, acks, receipts, tokens, greetings) whose next
// hop is another member. Hellos and byes still reach every member, which
// keep its links alive; what the filter drops is not counted as ignored.

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

// nextHopFilter is the filter of a member named self: it drops a frame
// that only its next hop acts on when the next hop is neither self nor
// frame.Broadcast, and lets everything else through, including what it
// cannot read (the agent counts that as malformed).
func nextHopFilter(self string) ([]bpf.Instruction, error) {
	p := &filterProgram{}
	p.add(bpf.LoadExtension{Num: bpf.ExtLen})
	p.jump(bpf.JumpLessThan, udpHeaderLen+offSourceLen+1, labelAccept, labelNext)
	p.add(bpf.LoadAbsolute{Off: udpHeaderLen + offVersion, Size: 1})
	p.jump(bpf.JumpNotEqual, frame.Version, labelAccept, labelNext)
	p.add(bpf.LoadAbsolute{Off: udpHeaderLen + offType, Size: 1})
	for _, t := range []frame.Type{frame.Hello, frame.Bye} {
		p.jump(bpf.JumpEqual, uint32(t), labelAccept, labelNext)
	}
	p.jump(bpf.JumpGreaterThan, uint32(frame.Ack), labelAccept, labelNext)
	// X walks the names: the source's length, the destination's, the
	// next hop's; a length past the end lets the frame through.
	p.add(bpf.LoadConstant{Dst: bpf.RegX, Val: udpHeaderLen + offSourceLen})
	for range 2 {
		p.skipName()
	}
	// A valid frame goes on for at least the path's count after the next
	// hop's length byte, so that "*" may be read.
	p.checkLen(2)
	p.add(bpf.LoadIndirect{Off: 0, Size: 1})
	p.jump(bpf.JumpEqual, 1, labelNext, labelSkip(3))
	p.add(bpf.LoadIndirect{Off: 1, Size: 1})
	p.jump(bpf.JumpEqual, uint32(frame.Broadcast[0]), labelAccept, labelNext)
	p.add(bpf.LoadIndirect{Off: 0, Size: 1})
	p.jump(bpf.JumpEqual, uint32(len(self)), labelNext, labelDrop)
	p.checkLen(1 + uint32(len(self)))
	p.matchName(self)
	return p.resolve()
}

// filterProgram assembles a classic BPF program whose jumps name their
// targets: the next instruction, one a few ahead, or the final verdicts.
type filterProgram struct {
	ins   []bpf.Instruction
	jumps []pendingJump
}

type label int

const (
	labelNext   label = 0
	labelAccept label = -1
	labelDrop   label = -2
)

// labelSkip is the instruction n ahead of the one after the jump.
func labelSkip(n int) label { return label(n) }

type pendingJump struct {
	at          int
	cond        bpf.JumpTest
	val         uint32
	onX         bool
	true, false label
}

func (p *filterProgram) add(i bpf.Instruction) { p.ins = append(p.ins, i) }

func (p *filterProgram) jump(cond bpf.JumpTest, val uint32, t, f label) {
	p.jumps = append(p.jumps, pendingJump{at: len(p.ins), cond: cond, val: val, true: t, false: f})
	p.add(nil)
}

func (p *filterProgram) jumpX(cond bpf.JumpTest, t, f label) {
	p.jumps = append(p.jumps, pendingJump{at: len(p.ins), cond: cond, onX: true, true: t, false: f})
	p.add(nil)
}

// checkLen lets the frame through unless n bytes from X are in it.
func (p *filterProgram) checkLen(n uint32) {
	p.add(bpf.StoreScratch{Src: bpf.RegX, N: 0})
	p.add(bpf.TXA{})
	p.add(bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: n})
	p.add(bpf.TAX{})
	p.add(bpf.LoadExtension{Num: bpf.ExtLen})
	p.jumpX(bpf.JumpGreaterOrEqual, labelNext, labelAccept)
	p.add(bpf.LoadScratch{Dst: bpf.RegX, N: 0})
}

// skipName moves X from a name's length byte to the byte after the name.
func (p *filterProgram) skipName() {
	p.checkLen(1)
	p.add(bpf.LoadIndirect{Off: 0, Size: 1})
	p.add(bpf.ALUOpX{Op: bpf.ALUOpAdd})
	p.add(bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: 1})
	p.add(bpf.TAX{})
}

// matchName drops the frame unless the name after the length byte at X
// is name, compared four bytes at a time.
func (p *filterProgram) matchName(name string) {
	b := []byte(name)
	for off := 0; off < len(b); {
		size := min(4, len(b)-off)
		if size == 3 {
			size = 2
		}
		var want uint32
		switch size {
		case 4:
			want = binary.BigEndian.Uint32(b[off:])
		case 2:
			want = uint32(binary.BigEndian.Uint16(b[off:]))
		default:
			want = uint32(b[off])
		}
		p.add(bpf.LoadIndirect{Off: uint32(1 + off), Size: size})
		p.jump(bpf.JumpEqual, want, labelNext, labelDrop)
		off += size
	}
}

// resolve turns the named targets into skips, after the program and its
// two verdicts.
func (p *filterProgram) resolve() ([]bpf.Instruction, error) {
	accept, drop := len(p.ins), len(p.ins)+1
	if drop > 255 {
		return nil, fmt.Errorf("next-hop filter: %d instructions, more than a jump can skip", drop)
	}
	target := func(from int, l label) uint8 {
		switch l {
		case labelAccept:
			return uint8(accept - from - 1)
		case labelDrop:
			return uint8(drop - from - 1)
		}
		return uint8(l)
	}
	for _, j := range p.jumps {
		t, f := target(j.at, j.true), target(j.at, j.false)
		if j.onX {
			p.ins[j.at] = bpf.JumpIfX{Cond: j.cond, SkipTrue: t, SkipFalse: f}
		} else {
			p.ins[j.at] = bpf.JumpIf{Cond: j.cond, Val: j.val, SkipTrue: t, SkipFalse: f}
		}
	}
	out := append(p.ins, bpf.RetConstant{Val: keepAll}, bpf.RetConstant{Val: 0})
	// Assembling checks every instruction, and that no jump is too long.
	if _, err := bpf.Assemble(out); err != nil {
		return nil, err
	}
	return out, nil
}
