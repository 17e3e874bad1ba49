package frame_test

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
	"github.com/topo-dev/topo/node/internal/frame"
)

// luaScript is the Wireshark dissector contrib/ ships, tested here against
// the real thing: frames as this package encodes them.
const luaScript = "../../../contrib/topo.lua"

// ipv4 wraps an L4 segment in Ethernet and IPv4 from 10.1.0.2 to 10.1.0.3.
func ipv4(proto byte, l4 []byte) []byte {
	eth := []byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00}
	ip := []byte{0x45, 0}
	ip = binary.BigEndian.AppendUint16(ip, uint16(20+len(l4)))
	ip = append(ip, 0, 1, 0x40, 0, 64, proto, 0, 0, 10, 1, 0, 2, 10, 1, 0, 3)
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(ip[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(ip[10:], ^uint16(sum))
	return append(append(eth, ip...), l4...)
}

func udp(payload []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, 41000)
	b = binary.BigEndian.AppendUint16(b, 7000)
	b = binary.BigEndian.AppendUint16(b, uint16(8+len(payload)))
	b = append(b, 0, 0) // no checksum
	return ipv4(17, append(b, payload...))
}

func tcp(payload []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, 41000)
	b = binary.BigEndian.AppendUint16(b, 7000)
	b = binary.BigEndian.AppendUint32(b, 1000) // seq
	b = binary.BigEndian.AppendUint32(b, 1)    // ack
	b = append(b, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0)
	return ipv4(6, append(b, payload...))
}

// TestDissector records agent frames, as package frame encodes them, in a
// pcapng (a data frame in a UDP datagram, sealed; a receipt and a hello in
// one TCP segment, each after its length) and has tshark read it with
// contrib/topo.lua: the kinds, ids, origins, destinations and the reason
// must be what was encoded.
func TestDissector(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v; install Debian's tshark", err)
		}
		t.Skip("tshark is not installed")
	}
	if out, _ := exec.Command(tshark, "-v").Output(); !bytes.Contains(out, []byte("with Lua")) {
		t.Skip("this tshark has no Lua")
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	data := &frame.Frame{Type: frame.Data, WantReceipt: true, TTL: 16, ID: 4242, Sent: at.UnixNano(),
		Source: "spoke1", Destination: "spoke3", NextHop: "hub", Path: []string{"spoke1"}, Payload: []byte("hello")}
	raw, err := frame.Encode(data)
	if err != nil {
		t.Fatal(err)
	}
	raw = frame.NewKey(bytes.Repeat([]byte{7}, 32)).AppendSealed(nil, raw, 99)
	receipt := &frame.Frame{Type: frame.Receipt, TTL: 16, ID: 7, Ref: 4242, Sent: at.UnixNano(), Source: "hub",
		Destination: "spoke1", NextHop: "spoke1", Reason: "ttl-expired", OrigSent: at.UnixNano(), At: at.UnixNano(), OrigPath: []string{"spoke1", "hub"}}
	hello := &frame.Frame{Type: frame.Hello, TTL: 1, ID: 1, Source: "hub", Destination: "spoke1", NextHop: "spoke1"}
	var stream bytes.Buffer
	for _, f := range []*frame.Frame{receipt, hello} {
		if err := frame.Write(&stream, f); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	w, err := pcapng.NewWriter(&buf, "topo dissector test")
	if err != nil {
		t.Fatal(err)
	}
	id, _ := w.AddInterface(pcapng.Interface{Name: "eth0"})
	for _, p := range [][]byte{udp(raw), tcp(stream.Bytes())} {
		if err := w.WritePacket(id, at, p, len(p), pcapng.DirOutbound); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(t.TempDir(), "frames.pcapng")
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tshark, "-X", "lua_script:"+luaScript, "-r", file, "-Y", "topo", "-T", "fields", "-E", "separator=|",
		"-e", "topo.kind", "-e", "topo.id", "-e", "topo.src", "-e", "topo.dst", "-e", "topo.receipt.reason", "-e", "topo.seal.seq").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	got := strings.Split(strings.TrimSpace(string(out)), "\n")
	want := []string{
		"1|4242|spoke1|spoke3||99",
		"2,3|7,1|hub,hub|spoke1,spoke1|ttl-expired|",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("tshark with topo.lua read:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// -V, as a person reads it: the kind by name and the path.
	out, err = exec.Command(tshark, "-X", "lua_script:"+luaScript, "-r", file, "-V").Output()
	if err != nil {
		t.Fatalf("tshark -V: %v", err)
	}
	for _, w := range []string{"Kind: data (1)", "Kind: receipt (2)", "Origin: spoke1", "Path: spoke1", "Original path: spoke1 > hub", "Payload text: hello"} {
		if !bytes.Contains(out, []byte(w)) {
			t.Errorf("tshark -V lacks %q:\n%s", w, out)
		}
	}
}
