package capfilter

import (
	"encoding/binary"
	"strings"
	"testing"
)

// run interprets the opcodes Compile emits over pkt, as the kernel would,
// and returns how many bytes the program keeps (0: dropped).
func run(t *testing.T, prog []Insn, pkt []byte) uint32 {
	t.Helper()
	var a, x uint32
	load := func(off uint32, n int) (uint32, bool) {
		if int(off)+n > len(pkt) {
			return 0, false
		}
		switch n {
		case 1:
			return uint32(pkt[off]), true
		case 2:
			return uint32(binary.BigEndian.Uint16(pkt[off:])), true
		}
		return binary.BigEndian.Uint32(pkt[off:]), true
	}
	for pc := 0; pc < len(prog); pc++ {
		in := prog[pc]
		ok := true
		switch in.Op {
		case opLdH:
			a, ok = load(in.K, 2)
		case opLdW:
			a, ok = load(in.K, 4)
		case opLdB:
			a, ok = load(in.K, 1)
		case opLdHInd:
			a, ok = load(x+in.K, 2)
		case opLdxMsh:
			var b uint32
			b, ok = load(in.K, 1)
			x = 4 * (b & 0xf)
		case opAnd:
			a &= in.K
		case opJeq, opJset:
			match := a == in.K
			if in.Op == opJset {
				match = a&in.K != 0
			}
			if match {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		case opRet:
			return in.K
		default:
			t.Fatalf("pc %d: opcode %#x the compiler should not emit", pc, in.Op)
		}
		if !ok {
			return 0 // a load past the end drops the packet, as in the kernel
		}
	}
	t.Fatal("the program ran off its end")
	return 0
}

// packet builds an Ethernet frame: IPv4 with proto from src:sport to
// dst:dport, or ARP when proto is 0. frag sets the fragment offset.
func packet(proto byte, src, dst string, sport, dport uint16, frag uint16) []byte {
	eth := []byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00}
	if proto == 0 {
		eth[13] = 0x06
		return append(eth, make([]byte, 28)...)
	}
	ip := []byte{0x45, 0, 0, 40, 0, 1}
	ip = binary.BigEndian.AppendUint16(ip, frag)
	ip = append(ip, 64, proto, 0, 0)
	ip = append(ip, addr(src)...)
	ip = append(ip, addr(dst)...)
	l4 := binary.BigEndian.AppendUint16(nil, sport)
	l4 = binary.BigEndian.AppendUint16(l4, dport)
	l4 = append(l4, make([]byte, 16)...)
	return append(append(eth, ip...), l4...)
}

func addr(s string) []byte {
	var b []byte
	for _, p := range strings.Split(s, ".") {
		n := 0
		for _, c := range p {
			n = n*10 + int(c-'0')
		}
		b = append(b, byte(n))
	}
	return b
}

func TestCompile(t *testing.T) {
	tcp80 := packet(6, "10.1.0.2", "10.1.0.3", 40000, 80, 0)
	udp53 := packet(17, "10.1.0.3", "10.2.0.9", 53, 41000, 0)
	icmp := packet(1, "10.1.0.2", "10.1.0.3", 0, 0, 0)
	arp := packet(0, "", "", 0, 0, 0)
	frag := packet(6, "10.1.0.2", "10.1.0.3", 40000, 80, 100)
	pkts := map[string][]byte{"tcp80": tcp80, "udp53": udp53, "icmp": icmp, "arp": arp, "frag": frag}
	tests := []struct {
		filter string
		keep   string // names of the packets kept, in order tcp80 udp53 icmp arp frag
	}{
		{"", "tcp80 udp53 icmp arp frag"},
		{"tcp", "tcp80 frag"},
		{"udp", "udp53"},
		{"icmp", "icmp"},
		{"arp", "arp"},
		{"ip", "tcp80 udp53 icmp frag"},
		{"not ip", "arp"},
		{"port 80", "tcp80"},
		{"tcp port 80", "tcp80"},
		{"tcp and port 53", ""},
		{"src port 53", "udp53"},
		{"dst port 53", ""},
		{"host 10.1.0.3", "tcp80 udp53 icmp frag"},
		{"src host 10.1.0.3", "udp53"},
		{"dst host 10.1.0.3", "tcp80 icmp frag"},
		{"net 10.2.0.0/16", "udp53"},
		{"dst net 10.1.0.0/24", "tcp80 icmp frag"},
		{"udp or icmp", "udp53 icmp"},
		{"!(tcp || udp)", "icmp arp"},
		{"host 10.1.0.2 && (port 80 or icmp)", "tcp80 icmp"},
		{"not (host 10.1.0.2 and not arp)", "udp53 arp"},
	}
	order := []string{"tcp80", "udp53", "icmp", "arp", "frag"}
	for _, tt := range tests {
		prog, err := Compile(tt.filter, 1500)
		if err != nil {
			t.Errorf("Compile(%q): %v", tt.filter, err)
			continue
		}
		var kept []string
		for _, name := range order {
			if n := run(t, prog, pkts[name]); n != 0 {
				if n != 1500 {
					t.Errorf("%q keeps %d bytes, want the snap length 1500", tt.filter, n)
				}
				kept = append(kept, name)
			}
		}
		if got := strings.Join(kept, " "); got != tt.keep {
			t.Errorf("%q keeps [%s], want [%s]", tt.filter, got, tt.keep)
		}
	}
}

func TestCompileRejects(t *testing.T) {
	for _, tt := range []struct{ filter, want string }{
		{"tcp and", "ends too soon"},
		{"host", "want its value"},
		{"host example.com", "want an IPv4 address"},
		{"port 70000", "up to 65535"},
		{"net 10.0.0.1", "IPv4 prefix"},
		{"(tcp", "without its )"},
		{"tcp)", `unexpected ")"`},
		{"vlan 3", `unknown "vlan"`},
		{"portrange 1-2", `unknown "portrange"`},
	} {
		_, err := Compile(tt.filter, 1500)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Compile(%q) = %v, want an error saying %q", tt.filter, err, tt.want)
		}
	}
	long := strings.Repeat("port 1 or ", 40) + "port 2"
	if _, err := Compile(long, 1500); err == nil || !strings.Contains(err.Error(), "too long") {
		t.Errorf("a filter of 41 ports: %v, want too long", err)
	}
}
