package frame

import (
	"encoding/binary"
	"fmt"
)

// Append encodes f onto b and returns the extended slice.
func Append(b []byte, f *Frame) ([]byte, error) {
	if !f.Type.valid() {
		return b, fmt.Errorf("frame: encode: unknown type %d", f.Type)
	}
	if len(f.Payload) > MaxPayload {
		return b, fmt.Errorf("frame: encode: payload of %d bytes exceeds %d", len(f.Payload), MaxPayload)
	}
	if len(f.Path) > MaxPath || len(f.OrigPath) > MaxPath {
		return b, fmt.Errorf("frame: encode: path longer than %d", MaxPath)
	}
	start := len(b)
	var flags byte
	if f.WantReceipt {
		flags |= FlagWantReceipt
	}
	if f.Delivered {
		flags |= FlagDelivered
	}
	if f.Quiet {
		flags |= FlagQuiet
	}
	b = append(b, Version, byte(f.Type), flags, f.TTL)
	b = binary.BigEndian.AppendUint64(b, f.ID)
	b = binary.BigEndian.AppendUint64(b, f.Ref)
	b = binary.BigEndian.AppendUint64(b, uint64(f.Sent))
	var err error
	for _, s := range []string{f.Source, f.Destination, f.NextHop} {
		if b, err = appendString(b, s); err != nil {
			return b[:start], err
		}
	}
	if b, err = appendPath(b, f.Path); err != nil {
		return b[:start], err
	}
	if f.Type == Receipt {
		b = binary.BigEndian.AppendUint64(b, uint64(f.OrigSent))
		b = binary.BigEndian.AppendUint64(b, uint64(f.At))
		if b, err = appendString(b, f.Reason); err != nil {
			return b[:start], err
		}
		if b, err = appendPath(b, f.OrigPath); err != nil {
			return b[:start], err
		}
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(f.Payload)))
	b = append(b, f.Payload...)
	if n := len(b) - start; n > MaxFrame {
		return b[:start], fmt.Errorf("frame: encode: %d bytes exceeds %d", n, MaxFrame)
	}
	return b, nil
}

// Encode returns f's encoding.
func Encode(f *Frame) ([]byte, error) { return Append(nil, f) }

func appendString(b []byte, s string) ([]byte, error) {
	if len(s) > MaxName {
		return b, fmt.Errorf("frame: encode: name %.20q… longer than %d", s, MaxName)
	}
	b = append(b, byte(len(s)))
	return append(b, s...), nil
}

func appendPath(b []byte, p []string) ([]byte, error) {
	b = append(b, byte(len(p)))
	var err error
	for _, s := range p {
		if b, err = appendString(b, s); err != nil {
			return b, err
		}
	}
	return b, nil
}
