package frame

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"sync"
)

// Trailer of a sealed frame (FlagSealed): the sender's sequence number and
// the proof, an HMAC-SHA256 truncated to TagLen bytes.
const (
	TagLen     = 16
	TrailerLen = 8 + TagLen
)

// Key proves frames with a topology's secret and checks the proof of the
// frames heard. The proof covers every byte of the frame (its header with
// FlagSealed set, names, path, payload) and the sequence number, so that a
// frame can be neither changed nor re-addressed. It does not by itself
// stop a copy from being heard twice; the sequence number is there for a
// receiver to keep a replay window. A Key is safe for concurrent use.
type Key struct {
	secret []byte
	macs   sync.Pool // of hash.Hash
}

// NewKey makes a Key of secret, which it copies.
func NewKey(secret []byte) *Key {
	k := &Key{secret: append([]byte(nil), secret...)}
	k.macs.New = func() any { return hmac.New(sha256.New, k.secret) }
	return k
}

// tag appends to dst the proof of b.
func (k *Key) tag(dst, b []byte) []byte {
	m := k.macs.Get().(hash.Hash)
	m.Reset()
	m.Write(b)
	var sum [sha256.Size]byte
	dst = append(dst, m.Sum(sum[:0])[:TagLen]...)
	k.macs.Put(m)
	return dst
}

// AppendSealed appends to dst the frame encoded in b (as Append makes it,
// without a length prefix), sealed: with FlagSealed set, seq and the
// proof. b is not changed.
func (k *Key) AppendSealed(dst, b []byte, seq uint64) []byte {
	start := len(dst)
	dst = append(dst, b...)
	if len(b) > 2 {
		dst[start+2] |= FlagSealed
	}
	dst = binary.BigEndian.AppendUint64(dst, seq)
	return k.tag(dst, dst[start:])
}

// Verify reports whether b, a whole frame as heard, is sealed with this
// key.
func (k *Key) Verify(b []byte) bool {
	if len(b) < 3+TrailerLen || b[2]&FlagSealed == 0 {
		return false
	}
	n := len(b) - TagLen
	var want [TagLen]byte
	return hmac.Equal(k.tag(want[:0], b[:n]), b[n:])
}
