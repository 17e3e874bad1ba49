package sock

import (
	"encoding/binary"
	"fmt"
	"syscall"
)

// filterProgram assembles a classic BPF program whose jumps name their
// targets: the next instruction, one a few ahead, or the final verdicts.
type filterProgram struct {
	ins   []syscall.SockFilter
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
	at                int
	ifTrue, otherwise label
}

func (p *filterProgram) stmt(code uint16, k uint32) {
	p.ins = append(p.ins, syscall.SockFilter{Code: code, K: k})
}

// jump compares A with k (cond is BPF_JEQ, BPF_JGT or BPF_JGE).
func (p *filterProgram) jump(cond uint16, k uint32, ifTrue, otherwise label) {
	p.jumps = append(p.jumps, pendingJump{at: len(p.ins), ifTrue: ifTrue, otherwise: otherwise})
	p.stmt(syscall.BPF_JMP|cond|syscall.BPF_K, k)
}

// jumpX compares A with X.
func (p *filterProgram) jumpX(cond uint16, ifTrue, otherwise label) {
	p.jumps = append(p.jumps, pendingJump{at: len(p.ins), ifTrue: ifTrue, otherwise: otherwise})
	p.stmt(syscall.BPF_JMP|cond|syscall.BPF_X, 0)
}

// checkLen lets the frame through unless n bytes from X are in it.
func (p *filterProgram) checkLen(n uint32) {
	p.stmt(syscall.BPF_STX, 0) // M[0] = X
	p.stmt(syscall.BPF_MISC|syscall.BPF_TXA, 0)
	p.stmt(syscall.BPF_ALU|syscall.BPF_ADD|syscall.BPF_K, n)
	p.stmt(syscall.BPF_MISC|syscall.BPF_TAX, 0)
	p.stmt(syscall.BPF_LD|syscall.BPF_W|syscall.BPF_LEN, 0)
	p.jumpX(syscall.BPF_JGE, labelNext, labelAccept)
	p.stmt(syscall.BPF_LDX|syscall.BPF_MEM, 0) // X = M[0]
}

// skipName moves X from a name's length byte to the byte after the name.
func (p *filterProgram) skipName() {
	p.checkLen(1)
	p.stmt(syscall.BPF_LD|syscall.BPF_B|syscall.BPF_IND, 0)
	p.stmt(syscall.BPF_ALU|syscall.BPF_ADD|syscall.BPF_X, 0)
	p.stmt(syscall.BPF_ALU|syscall.BPF_ADD|syscall.BPF_K, 1)
	p.stmt(syscall.BPF_MISC|syscall.BPF_TAX, 0)
}

// matchName drops the frame unless the name after the length byte at X
// is name, compared four bytes at a time.
func (p *filterProgram) matchName(name string) {
	b := []byte(name)
	for off := 0; off < len(b); {
		size, n, want := uint16(syscall.BPF_B), 1, uint32(b[off])
		switch left := len(b) - off; {
		case left >= 4:
			size, n, want = syscall.BPF_W, 4, binary.BigEndian.Uint32(b[off:])
		case left >= 2:
			size, n, want = syscall.BPF_H, 2, uint32(binary.BigEndian.Uint16(b[off:]))
		}
		p.stmt(syscall.BPF_LD|size|syscall.BPF_IND, uint32(1+off))
		p.jump(syscall.BPF_JEQ, want, labelNext, labelDrop)
		off += n
	}
}

// resolve turns the named targets into skips, after the program and its
// two verdicts.
func (p *filterProgram) resolve() ([]syscall.SockFilter, error) {
	accept, drop := len(p.ins), len(p.ins)+1
	if drop-1 > 255 {
		return nil, fmt.Errorf("socket filter: %d instructions, more than a jump can skip", drop)
	}
	skip := func(from int, l label) uint8 {
		switch l {
		case labelAccept:
			return uint8(accept - from - 1)
		case labelDrop:
			return uint8(drop - from - 1)
		}
		return uint8(l)
	}
	for _, j := range p.jumps {
		p.ins[j.at].Jt, p.ins[j.at].Jf = skip(j.at, j.ifTrue), skip(j.at, j.otherwise)
	}
	out := append(p.ins, syscall.SockFilter{Code: syscall.BPF_RET | syscall.BPF_K, K: keepAll},
		syscall.SockFilter{Code: syscall.BPF_RET | syscall.BPF_K, K: 0})
	return out, nil
}
