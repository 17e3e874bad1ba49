package pcapng_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/node/internal/capture/pcapng"
)

// udpPacket is an Ethernet frame holding an IPv4 UDP datagram from src to
// dst, port 4000 to 5000, with payload.
func udpPacket(src, dst [4]byte, payload string) []byte {
	eth := []byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00}
	udpLen := 8 + len(payload)
	ip := []byte{0x45, 0}
	ip = binary.BigEndian.AppendUint16(ip, uint16(20+udpLen))
	ip = append(ip, 0, 1, 0x40, 0, 64, 17, 0, 0)
	ip = append(ip, src[:]...)
	ip = append(ip, dst[:]...)
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(ip[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(ip[10:], ^uint16(sum))
	udp := binary.BigEndian.AppendUint16(nil, 4000)
	udp = binary.BigEndian.AppendUint16(udp, 5000)
	udp = binary.BigEndian.AppendUint16(udp, uint16(udpLen))
	udp = append(udp, 0, 0)
	udp = append(udp, payload...)
	return append(append(eth, ip...), udp...)
}

// TestWriterReadByTshark writes two interfaces, packets of odd lengths (so
// that padding matters), a truncated one and the statistics, and has
// tshark read them back: the interface names, addresses, lengths and
// directions must be what was written.
func TestWriterReadByTshark(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark is not installed (Debian: apt-get install tshark)")
	}
	var buf bytes.Buffer
	w, err := pcapng.NewWriter(&buf, "topo test")
	if err != nil {
		t.Fatal(err)
	}
	eth0, err := w.AddInterface(pcapng.Interface{Name: "eth0", Description: "hub-spoke1 10.1.0.2"})
	if err != nil {
		t.Fatal(err)
	}
	eth1, err := w.AddInterface(pcapng.Interface{Name: "eth1", SnapLen: 50})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)
	p1 := udpPacket([4]byte{10, 1, 0, 2}, [4]byte{10, 1, 0, 3}, "hello")
	p2 := udpPacket([4]byte{10, 2, 0, 3}, [4]byte{10, 2, 0, 2}, "a longer payload, cut at 50")
	if err := w.WritePacket(eth0, at, p1, len(p1), pcapng.DirOutbound); err != nil {
		t.Fatal(err)
	}
	if err := w.WritePacket(eth1, at.Add(time.Millisecond), p2[:50], len(p2), pcapng.DirInbound); err != nil {
		t.Fatal(err)
	}
	if err := w.WritePacket(7, at, p1, len(p1), pcapng.DirInbound); err == nil {
		t.Error("a packet on interface 7, never added, was written")
	}
	for _, id := range []int{eth0, eth1} {
		if err := w.WriteStats(id, pcapng.Stats{Start: at, End: at.Add(time.Second), Received: 1, Dropped: 3}); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(t.TempDir(), "c.pcapng")
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tshark, "-r", file, "-T", "fields", "-E", "separator=|",
		"-e", "frame.interface_name", "-e", "ip.src", "-e", "ip.dst", "-e", "udp.dstport",
		"-e", "frame.len", "-e", "frame.cap_len", "-e", "frame.p2p_dir", "-e", "frame.time_epoch").Output()
	if err != nil {
		t.Fatalf("tshark -r: %v\n%s", err, out)
	}
	got := strings.Split(strings.TrimSpace(string(out)), "\n")
	want := []string{
		"eth0|10.1.0.2|10.1.0.3|5000|47|47|0|", // p2p_dir 0: sent
		"eth1|10.2.0.3|10.2.0.2|5000|69|50|1|", // 1: received
	}
	if len(got) != len(want) {
		t.Fatalf("tshark read %d packets, want %d:\n%s", len(got), len(want), out)
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("packet %d: tshark read %q, want it to start with %q", i, got[i], w)
		}
	}
	if !strings.HasSuffix(got[0], "1767323045.123456789") {
		t.Errorf("packet 0: timestamp in %q, want 1767323045.123456789", got[0])
	}
}
