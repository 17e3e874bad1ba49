// Package pcapng writes packet captures in the pcapng format (IETF draft
// "PCAP Next Generation Dump File Format"), which Wireshark, tshark and
// tcpdump read: one section header, one interface description per
// interface (named, so that a capture of a node's several links can be
// told apart), an enhanced packet block per packet and, at the end, the
// statistics of each interface. It writes each block with one Write, so
// that a reader at the other end of a pipe sees whole blocks as they come.
// It imports only the standard library: it runs in the agent.
package pcapng

import (
	"encoding/binary"
	"errors"
	"io"
	"sync"
	"time"
)

// Block types and option codes of the format.
const (
	blockSHB = 0x0A0D0D0A
	blockIDB = 0x00000001
	blockISB = 0x00000005
	blockEPB = 0x00000006

	byteOrderMagic = 0x1A2B3C4D

	optEnd        = 0
	shbUserAppl   = 4
	ifName        = 2
	ifDescription = 3
	ifTsresol     = 9
	epbFlags      = 2
	isbStartTime  = 2
	isbEndTime    = 3
	isbIfRecv     = 4
	isbIfDrop     = 5
)

// LinkTypeEthernet is the link type of every interface topo captures on.
const LinkTypeEthernet = 1

// Direction is which way a packet went through its interface.
type Direction uint8

// Directions, as epb_flags says them.
const (
	DirUnknown  Direction = 0
	DirInbound  Direction = 1
	DirOutbound Direction = 2
)

// Writer writes one pcapng section. It is safe for concurrent use: the
// capture of several interfaces writes from one goroutine per interface.
type Writer struct {
	mu     sync.Mutex
	w      io.Writer
	ifaces int
	err    error
}

// NewWriter starts a section on w, naming app as the program that wrote it.
func NewWriter(w io.Writer, app string) (*Writer, error) {
	wr := &Writer{w: w}
	var b block
	b.u32(byteOrderMagic)
	b.u16(1) // major
	b.u16(0) // minor
	b.u64(^uint64(0))
	if app != "" {
		b.opt(shbUserAppl, []byte(app))
	}
	b.end()
	return wr, wr.write(blockSHB, b)
}

// Interface describes an interface packets are captured on.
type Interface struct {
	Name        string // if_name, e.g. "eth1"
	Description string // if_description, e.g. "hub–spoke1 10.1.0.2"
	SnapLen     uint32 // 0: no limit
}

// AddInterface describes an interface and returns its id, which packets
// on it are written with. Every interface must be added before the
// packets on it.
func (w *Writer) AddInterface(i Interface) (int, error) {
	var b block
	b.u16(LinkTypeEthernet)
	b.u16(0)
	b.u32(i.SnapLen)
	if i.Name != "" {
		b.opt(ifName, []byte(i.Name))
	}
	if i.Description != "" {
		b.opt(ifDescription, []byte(i.Description))
	}
	b.opt(ifTsresol, []byte{9}) // nanoseconds
	b.end()
	w.mu.Lock()
	id := w.ifaces
	w.ifaces++
	w.mu.Unlock()
	return id, w.write(blockIDB, b)
}

// errNoInterface is a packet on an interface never added.
var errNoInterface = errors.New("pcapng: packet on an interface not described")

// WritePacket writes one packet seen on interface id at ts: data is what
// was captured of it, origLen its length on the wire.
func (w *Writer) WritePacket(id int, ts time.Time, data []byte, origLen int, dir Direction) error {
	if id < 0 || id >= w.count() {
		return errNoInterface
	}
	var b block
	b.u32(uint32(id))
	b.time(ts)
	b.u32(uint32(len(data)))
	b.u32(uint32(origLen))
	b.bytes(data)
	if dir != DirUnknown {
		b.opt(epbFlags, binary.LittleEndian.AppendUint32(nil, uint32(dir)))
	}
	b.end()
	return w.write(blockEPB, b)
}

// Stats are an interface's counters at the end of a capture.
type Stats struct {
	Start, End time.Time
	Received   uint64 // packets the capture saw
	Dropped    uint64 // packets the kernel dropped because the capture did not keep up
}

// WriteStats writes an interface's statistics, at the end of a capture.
func (w *Writer) WriteStats(id int, s Stats) error {
	if id < 0 || id >= w.count() {
		return errNoInterface
	}
	var b block
	b.u32(uint32(id))
	b.time(s.End)
	if !s.Start.IsZero() {
		b.opt(isbStartTime, timeBytes(s.Start))
		b.opt(isbEndTime, timeBytes(s.End))
	}
	b.opt(isbIfRecv, binary.LittleEndian.AppendUint64(nil, s.Received))
	b.opt(isbIfDrop, binary.LittleEndian.AppendUint64(nil, s.Dropped))
	b.end()
	return w.write(blockISB, b)
}

func (w *Writer) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ifaces
}

// write frames a block body with its type and lengths and writes it in one
// call. After a failed write every write fails: a half-written block would
// make the rest unreadable.
func (w *Writer) write(typ uint32, body block) error {
	n := uint32(12 + len(body))
	out := make([]byte, 0, n)
	out = binary.LittleEndian.AppendUint32(out, typ)
	out = binary.LittleEndian.AppendUint32(out, n)
	out = append(out, body...)
	out = binary.LittleEndian.AppendUint32(out, n)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if _, err := w.w.Write(out); err != nil {
		w.err = err
	}
	return w.err
}

// block is a block's body as it is built, little-endian (the byte-order
// magic tells readers so).
type block []byte

func (b *block) u16(v uint16) { *b = binary.LittleEndian.AppendUint16(*b, v) }
func (b *block) u32(v uint32) { *b = binary.LittleEndian.AppendUint32(*b, v) }
func (b *block) u64(v uint64) { *b = binary.LittleEndian.AppendUint64(*b, v) }

// time is a timestamp in nanoseconds, high word first, as EPBs and ISBs
// hold it.
func (b *block) time(t time.Time) { *b = append(*b, timeBytes(t)...) }

func timeBytes(t time.Time) []byte {
	ns := uint64(t.UnixNano())
	out := binary.LittleEndian.AppendUint32(nil, uint32(ns>>32))
	return binary.LittleEndian.AppendUint32(out, uint32(ns))
}

// bytes appends data padded to 32 bits.
func (b *block) bytes(data []byte) {
	*b = append(*b, data...)
	for len(*b)%4 != 0 {
		*b = append(*b, 0)
	}
}

func (b *block) opt(code uint16, value []byte) {
	b.u16(code)
	b.u16(uint16(len(value)))
	b.bytes(value)
}

func (b *block) end() { b.u32(optEnd) } // opt_endofopt: code 0, length 0
