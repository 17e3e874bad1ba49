package frame

import (
	"encoding/binary"
	"fmt"
	"io"
)

// Write writes f to a stream with its uint32 length prefix.
func Write(w io.Writer, f *Frame) error {
	b, err := Append(make([]byte, 4, 256), f)
	if err != nil {
		return err
	}
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	_, err = w.Write(b)
	return err
}

// EncodeStream is f encoded with its uint32 length prefix, as Write
// writes it.
func EncodeStream(f *Frame) ([]byte, error) {
	b, err := Append(make([]byte, 4, 128), f)
	if err != nil {
		return nil, err
	}
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	return b, nil
}

// Read reads one length-prefixed frame from a stream. A malformed frame
// yields an *Error; the stream can not be trusted after it.
func Read(r io.Reader) (*Frame, error) {
	b, err := ReadRaw(r)
	if err != nil {
		return nil, err
	}
	return Decode(b)
}

// ReadRaw reads one length-prefixed frame from a stream and returns it
// undecoded, for Decode and, when it is sealed, Key.Verify.
func ReadRaw(r io.Reader) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > MaxFrame+TrailerLen {
		return nil, reject(ReasonOversize, "length prefix %d exceeds %d", n, MaxFrame+TrailerLen)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("frame: read %d bytes: %w", n, err)
	}
	return b, nil
}
