package agent

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// Keys. A topology has a master secret, which only topo holds; each of its
// segments has a key derived from it (SegmentKey), and a node's config
// carries the keys of its own segments (Segment.Key), for agents only: a
// node that runs a user's own image gets no key. An agent seals what it
// sends on a segment with that segment's key and refuses what it hears on
// a segment without a valid seal of that segment's key, so that a key
// learnt on one segment speaks on no other.

// KeyLen is the length of Segment.Key and Config.Secret: 64 hex digits,
// 32 bytes.
const KeyLen = SecretLen

// segmentKeyLabel keeps a segment key apart from any other use of the
// secret with HMAC.
const segmentKeyLabel = "topo segment key\x00"

// SegmentKey derives a segment's key from the topology's secret (32
// bytes): HMAC-SHA256(secret, "topo segment key\x00"+segment), in hex.
// Both ends of a segment derive the same key; different segments, keys
// that tell nothing of each other or of the secret.
func SegmentKey(secret []byte, segment string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(segmentKeyLabel + segment))
	return hex.EncodeToString(m.Sum(nil))
}

// checkKey accepts an empty key or 64 hex digits. Like checkSecret it never
// quotes the key: a config error is printed and logged.
func checkKey(what, s string) error {
	if s == "" {
		return nil
	}
	if len(s) != KeyLen {
		return fmt.Errorf("%s of %d characters, want %d hex digits (or none)", what, len(s), KeyLen)
	}
	if _, err := hex.DecodeString(s); err != nil {
		return fmt.Errorf("%s is not hex: want %d hex digits (or none)", what, KeyLen)
	}
	return nil
}

// SegmentKeyBytes returns the 32 bytes of segment s's key: s.Key, or, in
// a config of an older topo that carries the topology's secret instead,
// the key derived from it; nil when it has neither (the proof is off).
// Call it on a config that Validate accepts.
func (c *Config) SegmentKeyBytes(s Segment) []byte {
	if s.Key != "" {
		b, err := hex.DecodeString(s.Key)
		if err != nil {
			return nil
		}
		return b
	}
	if secret := c.SecretKey(); secret != nil {
		b, _ := hex.DecodeString(SegmentKey(secret, s.Name))
		return b
	}
	return nil
}
