package frame

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func sample() []*Frame {
	return []*Frame{
		{Type: Data, WantReceipt: true, TTL: 16, ID: 42, Sent: 1700000000000000000, Source: "spoke1",
			Destination: "spoke3", NextHop: "hub", Path: []string{"spoke1"}, Payload: []byte("hello")},
		{Type: Receipt, Delivered: true, TTL: 15, ID: 7, Ref: 42, Source: "spoke3", Destination: "spoke1",
			NextHop: "hub", Path: []string{"spoke3"}, OrigPath: []string{"spoke1", "hub", "spoke3"},
			OrigSent: 1, At: 2},
		{Type: Receipt, Reason: "no_route", Source: "hub", Destination: "spoke1", NextHop: "spoke1"},
		{Type: Hello, Source: "a", Destination: "b", NextHop: Broadcast, Path: []string{"a"}},
		{Type: Token, ID: 1 << 62, Ref: 9, Source: "r1", Destination: "r2", NextHop: "r2"},
		{Type: Greeting, Source: "server", Destination: "c1", Payload: []byte("Thank you for connecting")},
		{Type: Bye, Source: "a", Destination: Broadcast, NextHop: Broadcast, Path: []string{"a"}},
		{Type: Data, Destination: Broadcast, Payload: bytes.Repeat([]byte{0xAB}, MaxPayload)},
		{Type: Data, Quiet: true, TTL: 16, ID: 43, Source: "a", Destination: "b", NextHop: "b", Payload: []byte("x")},
	}
}

func TestRoundTrip(t *testing.T) {
	for _, f := range sample() {
		b, err := Encode(f)
		if err != nil {
			t.Fatalf("encode %v: %v", f.Type, err)
		}
		g, err := Decode(b)
		if err != nil {
			t.Fatalf("decode %v: %v", f.Type, err)
		}
		if !reflect.DeepEqual(f, g) {
			t.Errorf("round trip of %v:\n got %+v\nwant %+v", f.Type, g, f)
		}
	}
}

func TestStream(t *testing.T) {
	var buf bytes.Buffer
	fs := sample()
	for _, f := range fs {
		if err := Write(&buf, f); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range fs {
		got, err := Read(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v, want %+v", got, want)
		}
	}
	if _, err := Read(&buf); err != io.EOF {
		t.Errorf("at end: %v, want EOF", err)
	}
}

func TestEncodeErrors(t *testing.T) {
	for name, f := range map[string]*Frame{
		"type":    {Type: 99},
		"payload": {Type: Data, Payload: make([]byte, MaxPayload+1)},
		"name":    {Type: Data, Source: strings.Repeat("x", 256)},
		"path":    {Type: Data, Path: make([]string, 256)},
		"size":    {Type: Data, Payload: make([]byte, MaxPayload), Path: manyNames(200, 40)},
	} {
		if _, err := Encode(f); err == nil {
			t.Errorf("%s: encode succeeded", name)
		}
	}
}

func manyNames(n, l int) []string {
	p := make([]string, n)
	for i := range p {
		p[i] = strings.Repeat("n", l)
	}
	return p
}

func TestDecodeRejects(t *testing.T) {
	good, _ := Encode(sample()[0])
	mod := func(fn func(b []byte) []byte) []byte { return fn(append([]byte(nil), good...)) }
	for _, tc := range []struct {
		name   string
		b      []byte
		reason string
	}{
		{"empty", nil, ReasonTruncated},
		{"short", good[:10], ReasonTruncated},
		{"cut payload", good[:len(good)-1], ReasonTruncated},
		{"version", mod(func(b []byte) []byte { b[0] = 2; return b }), ReasonVersion},
		{"type", mod(func(b []byte) []byte { b[1] = 0; return b }), ReasonType},
		{"flags", mod(func(b []byte) []byte { b[2] = 0x80; return b }), ReasonFlags},
		{"trailing", append(append([]byte(nil), good...), 0), ReasonTrailing},
		{"oversize", make([]byte, MaxFrame+1), ReasonOversize},
		{"payload length", mod(func(b []byte) []byte {
			copy(b[len(b)-9:], []byte{0, 1, 0, 1})
			return b[:len(b)-5]
		}), ReasonPayload},
	} {
		_, err := Decode(tc.b)
		var fe *Error
		if !errors.As(err, &fe) || fe.Reason != tc.reason {
			t.Errorf("%s: got %v, want reason %s", tc.name, err, tc.reason)
		}
	}
}

func TestReadOversizePrefix(t *testing.T) {
	_, err := Read(bytes.NewReader([]byte{0xff, 0xff, 0xff, 0xff}))
	var fe *Error
	if !errors.As(err, &fe) || fe.Reason != ReasonOversize {
		t.Fatalf("got %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range sample()[:6] {
		b, _ := Encode(s)
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{1, 2, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := Decode(b)
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) || fe.Reason == "" {
				t.Fatalf("error without a reason: %v", err)
			}
			return
		}
		again, err := Encode(fr)
		if err != nil {
			t.Fatalf("decoded frame does not encode: %v", err)
		}
		if fr.Sealed { // Encode leaves the seal out: compare without it
			b = append([]byte(nil), b[:len(b)-TrailerLen]...)
			b[2] &^= FlagSealed
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("re-encoding differs:\n%x\n%x", again, b)
		}
	})
}
