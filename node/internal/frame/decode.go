package frame

import (
	"encoding/binary"
	"fmt"
)

// Reasons a frame is rejected.
const (
	ReasonOversize  = "oversize"
	ReasonTruncated = "truncated"
	ReasonVersion   = "version"
	ReasonType      = "type"
	ReasonFlags     = "flags"
	ReasonPayload   = "payload"
	ReasonTrailing  = "trailing"
)

// Error is a rejected frame.
type Error struct {
	Reason string // one of the Reason constants
	Detail string
}

func (e *Error) Error() string { return "frame: " + e.Reason + ": " + e.Detail }

func reject(reason, format string, args ...any) *Error {
	return &Error{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

type reader struct {
	b   []byte
	off int
	err *Error
}

func (r *reader) take(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n > len(r.b)-r.off {
		r.err = reject(ReasonTruncated, "%s at offset %d needs %d bytes, %d left", what, r.off, n, len(r.b)-r.off)
		return nil
	}
	s := r.b[r.off : r.off+n]
	r.off += n
	return s
}

func (r *reader) u8(what string) uint8 {
	if s := r.take(1, what); s != nil {
		return s[0]
	}
	return 0
}

func (r *reader) u64(what string) uint64 {
	if s := r.take(8, what); s != nil {
		return binary.BigEndian.Uint64(s)
	}
	return 0
}

func (r *reader) str(what string) string {
	n := int(r.u8(what + " length"))
	return string(r.take(n, what))
}

func (r *reader) path(what string) []string {
	n := int(r.u8(what + " length"))
	if r.err != nil || n == 0 {
		return nil
	}
	p := make([]string, 0, n)
	for range n {
		s := r.str(what)
		if r.err != nil {
			return nil
		}
		p = append(p, s)
	}
	return p
}

// Decode parses one whole frame, and of a sealed one its trailer's
// sequence number (the proof is Key.Verify's to check). The returned frame
// does not alias b.
func Decode(b []byte) (*Frame, error) {
	if len(b) > MaxFrame+TrailerLen {
		return nil, reject(ReasonOversize, "%d bytes exceeds %d", len(b), MaxFrame+TrailerLen)
	}
	sealed := len(b) > 2 && b[2]&FlagSealed != 0
	var seq uint64
	if sealed {
		if len(b) < 3+TrailerLen {
			return nil, reject(ReasonTruncated, "sealed frame of %d bytes, shorter than its trailer", len(b))
		}
		seq = binary.BigEndian.Uint64(b[len(b)-TrailerLen:])
		b = b[:len(b)-TrailerLen]
	}
	if len(b) > MaxFrame {
		return nil, reject(ReasonOversize, "%d bytes exceeds %d", len(b), MaxFrame)
	}
	r := &reader{b: b}
	if v := r.u8("version"); r.err == nil && v != Version {
		return nil, reject(ReasonVersion, "version %d, want %d", v, Version)
	}
	f := &Frame{Type: Type(r.u8("type"))}
	if r.err == nil && !f.Type.valid() {
		return nil, reject(ReasonType, "unknown type %d", f.Type)
	}
	flags := r.u8("flags")
	if r.err == nil && flags&^knownFlags != 0 {
		return nil, reject(ReasonFlags, "unknown flags %#x", flags)
	}
	f.WantReceipt = flags&FlagWantReceipt != 0
	f.Delivered = flags&FlagDelivered != 0
	f.Quiet = flags&FlagQuiet != 0
	f.Sealed, f.Seq = sealed, seq
	f.TTL = r.u8("ttl")
	f.ID = r.u64("id")
	f.Ref = r.u64("ref")
	f.Sent = int64(r.u64("sent"))
	f.Source = r.str("source")
	f.Destination = r.str("destination")
	f.NextHop = r.str("next hop")
	f.Path = r.path("path")
	if f.Type == Receipt {
		f.OrigSent = int64(r.u64("original sent"))
		f.At = int64(r.u64("at"))
		f.Reason = r.str("reason")
		f.OrigPath = r.path("original path")
	}
	var n uint32
	if s := r.take(4, "payload length"); s != nil {
		n = binary.BigEndian.Uint32(s)
	}
	if r.err == nil && n > MaxPayload {
		return nil, reject(ReasonPayload, "payload of %d bytes exceeds %d", n, MaxPayload)
	}
	if p := r.take(int(n), "payload"); n > 0 && p != nil {
		f.Payload = append([]byte(nil), p...)
	}
	if r.err != nil {
		return nil, r.err
	}
	if r.off != len(b) {
		return nil, reject(ReasonTrailing, "%d bytes after the payload", len(b)-r.off)
	}
	return f, nil
}
