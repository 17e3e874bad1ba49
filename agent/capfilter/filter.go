package capfilter

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Insn is one classic BPF instruction, as the kernel's struct sock_filter
// holds it.
type Insn struct {
	Op     uint16
	Jt, Jf uint8
	K      uint32
}

// Classic BPF opcodes the compiler emits.
const (
	opLdH    = 0x28 // A = half word at k
	opLdW    = 0x20 // A = word at k
	opLdB    = 0x30 // A = byte at k
	opLdxMsh = 0xb1 // X = 4*(byte at k & 0xf): the IPv4 header's length
	opLdHInd = 0x48 // A = half word at X+k
	opJeq    = 0x15 // A == k
	opJset   = 0x45 // A & k != 0
	opAnd    = 0x54 // A &= k
	opRet    = 0x06 // accept k bytes of the packet (0: drop it)
)

// Offsets in an Ethernet frame holding IPv4.
const (
	offEtherType = 12
	offIPFrag    = 14 + 6
	offIPProto   = 14 + 9
	offIPSrc     = 14 + 12
	offIPDst     = 14 + 16
	offIPHeader  = 14
)

const (
	etherIPv4 = 0x0800
	etherARP  = 0x0806
)

// Compile compiles a filter in a small part of pcap-filter(7)'s language
// (agent.CaptureFilterHelp) into a classic BPF program that keeps at most
// snapLen bytes of each packet it matches. Juxtaposed terms are and-ed, as
// in "tcp port 80". An empty filter matches every packet.
func Compile(filter string, snapLen int) ([]Insn, error) {
	p := &parser{toks: tokenize(filter)}
	var e expr = always{}
	if len(p.toks) > 0 {
		var err error
		if e, err = p.or(); err != nil {
			return nil, fmt.Errorf("filter %q: %w", filter, err)
		}
		if p.more() {
			return nil, fmt.Errorf("filter %q: unexpected %q", filter, p.peek())
		}
	}
	c := &compiler{}
	c.emit(Insn{Op: opRet, K: 0})               // label 0: drop
	c.emit(Insn{Op: opRet, K: uint32(snapLen)}) // label 1: keep
	if _, err := e.code(c, 1, 0); err != nil {
		return nil, fmt.Errorf("filter %q: %w", filter, err)
	}
	prog := make([]Insn, len(c.rev))
	for i, in := range c.rev {
		prog[len(c.rev)-1-i] = in
	}
	return prog, nil
}

// compiler emits a program backwards, from its end: classic BPF jumps go
// only forward, so a jump's targets are always emitted before it. A label
// is an instruction's index counted from the end.
type compiler struct{ rev []Insn }

func (c *compiler) emit(in Insn) int {
	c.rev = append(c.rev, in)
	return len(c.rev) - 1
}

func (c *compiler) load(op uint16, k uint32) int { return c.emit(Insn{Op: op, K: k}) }

// next is the label of the instruction emitted last: what the next one
// emitted (which comes before it) falls through to.
func (c *compiler) next() int { return len(c.rev) - 1 }

// errTooLong is a filter whose jumps outgrow classic BPF's 8-bit offsets.
var errTooLong = errors.New("too long: simplify it")

func (c *compiler) jump(op uint16, k uint32, t, f int) (int, error) {
	at := len(c.rev)
	jt, jf := at-t-1, at-f-1
	if jt > 255 || jf > 255 {
		return 0, errTooLong
	}
	return c.emit(Insn{Op: op, Jt: uint8(jt), Jf: uint8(jf), K: k}), nil
}

// expr is a filter expression; code emits it so that it goes to label t
// when it matches and f when not, and returns its first instruction.
type expr interface {
	code(c *compiler, t, f int) (int, error)
}

type always struct{}

func (always) code(_ *compiler, t, _ int) (int, error) { return t, nil }

type and struct{ l, r expr }

func (e and) code(c *compiler, t, f int) (int, error) {
	r, err := e.r.code(c, t, f)
	if err != nil {
		return 0, err
	}
	return e.l.code(c, r, f)
}

type or struct{ l, r expr }

func (e or) code(c *compiler, t, f int) (int, error) {
	r, err := e.r.code(c, t, f)
	if err != nil {
		return 0, err
	}
	return e.l.code(c, t, r)
}

type not struct{ e expr }

func (e not) code(c *compiler, t, f int) (int, error) { return e.e.code(c, f, t) }

// ether matches an EtherType.
type ether uint16

func (e ether) code(c *compiler, t, f int) (int, error) {
	if _, err := c.jump(opJeq, uint32(e), t, f); err != nil {
		return 0, err
	}
	return c.load(opLdH, offEtherType), nil
}

// proto matches an IPv4 protocol number.
type proto uint8

func (p proto) code(c *compiler, t, f int) (int, error) {
	if _, err := c.jump(opJeq, uint32(p), t, f); err != nil {
		return 0, err
	}
	c.load(opLdB, offIPProto)
	return ether(etherIPv4).code(c, c.next(), f)
}

// Directions a host, net or port qualifier takes.
const (
	dirAny = iota
	dirSrc
	dirDst
)

// hostNet matches an IPv4 source or destination in a prefix.
type hostNet struct {
	dir    int
	prefix netip.Prefix
}

func (h hostNet) code(c *compiler, t, f int) (int, error) {
	a := h.prefix.Addr().As4()
	want := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	mask := ^uint32(0) << (32 - h.prefix.Bits())
	if h.prefix.Bits() == 0 {
		mask = 0
	}
	one := func(off uint32, t, f int) (int, error) {
		if _, err := c.jump(opJeq, want&mask, t, f); err != nil {
			return 0, err
		}
		if mask != ^uint32(0) {
			c.emit(Insn{Op: opAnd, K: mask})
		}
		return c.load(opLdW, off), nil
	}
	var err error
	first := f
	if h.dir != dirSrc {
		if first, err = one(offIPDst, t, f); err != nil {
			return 0, err
		}
	}
	if h.dir != dirDst {
		if first, err = one(offIPSrc, t, first); err != nil {
			return 0, err
		}
	}
	return ether(etherIPv4).code(c, first, f)
}

// port matches a TCP or UDP source or destination port, in a packet that
// is not a later fragment.
type port struct {
	dir  int
	port uint16
}

func (p port) code(c *compiler, t, f int) (int, error) {
	one := func(off uint32, t, f int) (int, error) {
		if _, err := c.jump(opJeq, uint32(p.port), t, f); err != nil {
			return 0, err
		}
		return c.load(opLdHInd, off), nil
	}
	var err error
	first := f
	if p.dir != dirSrc {
		if first, err = one(offIPHeader+2, t, f); err != nil {
			return 0, err
		}
	}
	if p.dir != dirDst {
		if _, err = one(offIPHeader, t, first); err != nil {
			return 0, err
		}
	}
	// X: where the TCP or UDP header starts; the port checks just
	// emitted follow.
	c.load(opLdxMsh, offIPHeader)
	if _, err := c.jump(opJset, 0x1fff, f, c.next()); err != nil {
		return 0, err
	}
	c.load(opLdH, offIPFrag)
	return or{proto(6), proto(17)}.code(c, c.next(), f)
}

// parser reads a filter's tokens by recursive descent.
type parser struct {
	toks []string
	pos  int
}

func tokenize(s string) []string {
	for _, op := range []string{"(", ")", "!"} {
		s = strings.ReplaceAll(s, op, " "+op+" ")
	}
	return strings.Fields(s)
}

func (p *parser) more() bool   { return p.pos < len(p.toks) }
func (p *parser) peek() string { return p.toks[p.pos] }

func (p *parser) take() (string, error) {
	if !p.more() {
		return "", errors.New("ends too soon")
	}
	p.pos++
	return p.toks[p.pos-1], nil
}

func (p *parser) or() (expr, error) {
	l, err := p.and()
	for err == nil && p.more() && (p.peek() == "or" || p.peek() == "||") {
		p.pos++
		var r expr
		if r, err = p.and(); err == nil {
			l = or{l, r}
		}
	}
	return l, err
}

// and reads terms joined by and, or by nothing: "tcp port 80".
func (p *parser) and() (expr, error) {
	l, err := p.unary()
	for err == nil && p.more() && p.peek() != "or" && p.peek() != "||" && p.peek() != ")" {
		if p.peek() == "and" || p.peek() == "&&" {
			p.pos++
		}
		var r expr
		if r, err = p.unary(); err == nil {
			l = and{l, r}
		}
	}
	return l, err
}

func (p *parser) unary() (expr, error) {
	tok, err := p.take()
	if err != nil {
		return nil, err
	}
	switch tok {
	case "not", "!":
		e, err := p.unary()
		return not{e}, err
	case "(":
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if tok, err := p.take(); err != nil || tok != ")" {
			return nil, errors.New("a ( without its )")
		}
		return e, nil
	case "ip":
		return ether(etherIPv4), nil
	case "arp":
		return ether(etherARP), nil
	case "tcp":
		return proto(6), nil
	case "udp":
		return proto(17), nil
	case "icmp":
		return proto(1), nil
	case "src", "dst":
		return p.qualified(map[string]int{"src": dirSrc, "dst": dirDst}[tok])
	}
	p.pos--
	return p.qualified(dirAny)
}

// qualified reads host ADDR, net CIDR or port N.
func (p *parser) qualified(dir int) (expr, error) {
	kind, err := p.take()
	if err != nil {
		return nil, err
	}
	arg, err := p.take()
	if err != nil {
		return nil, fmt.Errorf("%s: want its value", kind)
	}
	switch kind {
	case "host":
		a, err := netip.ParseAddr(arg)
		if err != nil || !a.Is4() {
			return nil, fmt.Errorf("host %q: want an IPv4 address", arg)
		}
		return hostNet{dir, netip.PrefixFrom(a, 32)}, nil
	case "net":
		n, err := netip.ParsePrefix(arg)
		if err != nil || !n.Addr().Is4() {
			return nil, fmt.Errorf("net %q: want an IPv4 prefix such as 10.1.0.0/24", arg)
		}
		return hostNet{dir, n.Masked()}, nil
	case "port":
		n, err := strconv.ParseUint(arg, 10, 16)
		if err != nil {
			return nil, fmt.Errorf("port %q: want a number up to 65535", arg)
		}
		return port{dir, uint16(n)}, nil
	}
	return nil, fmt.Errorf("unknown %q: want tcp, udp, icmp, arp, ip, host, net, port, src, dst, not, and, or", kind)
}
