//go:build linux

package sock

import (
	"strings"
	"testing"

	"golang.org/x/net/bpf"

	"github.com/topo-dev/topo/node/internal/frame"
)

// filterCases are frames a member named self hears on a big segment, and
// whether its next-hop filter lets them through.
func filterCases(t *testing.T, self string) []struct {
	name string
	b    []byte
	keep bool
} {
	enc := func(f *frame.Frame) []byte {
		b, err := frame.Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	data := func(typ frame.Type, nextHop string) []byte {
		return enc(&frame.Frame{Type: typ, ID: 7, Source: "node12", Destination: "node200", NextHop: nextHop,
			Path: []string{"node12"}, Payload: []byte("payload")})
	}
	key := frame.NewKey([]byte("a secret"))
	sealed := key.AppendSealed(nil, data(frame.Data, "node99"), 1)
	hello := enc(&frame.Frame{Type: frame.Hello, Source: "node12", Destination: frame.Broadcast, NextHop: frame.Broadcast})
	return []struct {
		name string
		b    []byte
		keep bool
	}{
		{"data for self", data(frame.Data, self), true},
		{"data for another", data(frame.Data, "node99"), false},
		{"data for a name self starts", data(frame.Data, self[:len(self)-1]), false},
		{"data for a name that starts with self", data(frame.Data, self+"0"), false},
		{"data for a name as long as self", data(frame.Data, strings.Repeat("x", len(self))), false},
		{"data broadcast", data(frame.Data, frame.Broadcast), true},
		{"ack for self", data(frame.Ack, self), true},
		{"ack for another", data(frame.Ack, "node99"), false},
		{"receipt for another", data(frame.Receipt, "node99"), false},
		{"token for another", data(frame.Token, "x"), false},
		{"sealed data for another", sealed, false},
		{"hello", hello, true},
		{"bye", enc(&frame.Frame{Type: frame.Bye, Source: "node12", Destination: self, NextHop: self + "x"}), true},
		{"unknown type", append([]byte{frame.Version, 9}, data(frame.Data, "node99")[2:]...), true},
		{"another version", append([]byte{9}, data(frame.Data, "node99")[1:]...), true},
		{"cut in the header", data(frame.Data, "node99")[:20], true},
		{"cut in the source", data(frame.Data, "node99")[:31], true},
		{"cut after the next hop's length", data(frame.Data, "node99")[:29+7+8], true},
		{"cut in self's name", data(frame.Data, self)[:29+7+8+3], true},
		{"empty", nil, true},
	}
}

// TestNextHopFilter runs the filter of a big segment's member in the BPF
// interpreter on frames as a UDP socket's filter sees them (after the UDP
// header): only frames whose next hop is another member are dropped; what
// the filter cannot read goes to the agent, which counts it as malformed.
func TestNextHopFilter(t *testing.T) {
	if _, err := nextHopFilter(strings.Repeat("n", frame.MaxName)); err != nil {
		t.Errorf("the filter of the longest name: %v", err)
	}
	for _, self := range []string{"node7", "a", "hub", "spoke12", "ring123", strings.Repeat("n", 254)} {
		prog, err := nextHopFilter(self)
		if err != nil {
			t.Fatalf("filter of %.10q: %v", self, err)
		}
		raw := make([]bpf.RawInstruction, len(prog))
		for i, f := range prog {
			raw[i] = bpf.RawInstruction{Op: f.Code, Jt: f.Jt, Jf: f.Jf, K: f.K}
		}
		ins, ok := bpf.Disassemble(raw)
		if !ok {
			t.Fatalf("filter of %.10q: an instruction the interpreter does not know: %v", self, ins)
		}
		vm, err := bpf.NewVM(ins)
		if err != nil {
			t.Fatalf("filter of %.10q: %v", self, err)
		}
		for _, c := range filterCases(t, self) {
			if len(self) == 1 && strings.Contains(c.name, "starts") {
				continue
			}
			kept, err := vm.Run(append(make([]byte, udpHeaderLen), c.b...))
			if err != nil {
				t.Fatalf("filter of %.10q, %s: %v", self, c.name, err)
			}
			if got := kept > 0; got != c.keep {
				t.Errorf("filter of %.10q, %s: kept %v, want %v", self, c.name, got, c.keep)
			}
		}
	}
}
