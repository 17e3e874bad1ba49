package frame

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealVerify(t *testing.T) {
	k := NewKey(bytes.Repeat([]byte{7}, 32))
	other := NewKey(bytes.Repeat([]byte{8}, 32))
	for _, f := range sample() {
		b, err := Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		orig := append([]byte(nil), b...)
		s := k.AppendSealed(nil, b, 42)
		if !bytes.Equal(b, orig) {
			t.Fatalf("%v: sealing changed its input", f.Type)
		}
		if len(s) != len(b)+TrailerLen {
			t.Errorf("%v: sealed %d bytes, want %d", f.Type, len(s), len(b)+TrailerLen)
		}
		if !k.Verify(s) {
			t.Errorf("%v: a sealed frame does not verify", f.Type)
		}
		g, err := Decode(s)
		if err != nil {
			t.Fatalf("%v: decode sealed: %v", f.Type, err)
		}
		if !g.Sealed || g.Seq != 42 {
			t.Errorf("%v: decoded sealed=%v seq=%d, want true 42", f.Type, g.Sealed, g.Seq)
		}
		g.Sealed, g.Seq = false, 0
		if again, _ := Encode(g); !bytes.Equal(again, b) {
			t.Errorf("%v: a sealed frame does not decode to the frame sealed", f.Type)
		}
		if k.Verify(b) {
			t.Errorf("%v: an unsealed frame verifies", f.Type)
		}
		if other.Verify(s) {
			t.Errorf("%v: verifies under another key", f.Type)
		}
	}
}

// TestSealBindsEveryByte changes each byte of a sealed frame in turn, the
// trailer's too: none of the changes verifies, so a frame cannot be
// re-addressed (source, destination, next hop), renumbered or replayed
// under another sequence number.
func TestSealBindsEveryByte(t *testing.T) {
	k := NewKey([]byte("0123456789abcdef0123456789abcdef"))
	b, _ := Encode(sample()[0])
	s := k.AppendSealed(nil, b, 1)
	for i := range s {
		m := append([]byte(nil), s...)
		m[i] ^= 0x01
		if k.Verify(m) {
			t.Errorf("byte %d changed, still verifies", i)
		}
	}
	if k.Verify(s[:len(s)-1]) {
		t.Errorf("cut trailer verifies")
	}
}

func TestSealedStreamAndLimits(t *testing.T) {
	k := NewKey([]byte("k"))
	// A frame of exactly MaxFrame bytes: 6156 of header, 65524 of payload.
	big := &Frame{Type: Data, Payload: make([]byte, MaxFrame-6156), Path: manyNames(24, 254)}
	b, err := Encode(big)
	if err != nil || len(b) != MaxFrame {
		t.Fatalf("encode %d bytes: %v", len(b), err)
	}
	s := k.AppendSealed(make([]byte, 4), b, 9)
	n := len(s) - 4
	s[0], s[1], s[2], s[3] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
	raw, err := ReadRaw(bytes.NewReader(s))
	if err != nil {
		t.Fatalf("read a sealed frame of %d bytes: %v", n, err)
	}
	if !k.Verify(raw) {
		t.Errorf("the sealed frame read does not verify")
	}
	if _, err := Decode(raw); err != nil {
		t.Errorf("decode: %v", err)
	}
	var fe *Error
	if _, err := Decode([]byte{Version, byte(Data), FlagSealed, 0}); !errors.As(err, &fe) || fe.Reason != ReasonTruncated {
		t.Errorf("sealed frame shorter than its trailer: %v", err)
	}
}
