package sock

import (
	"net"
	"slices"
	"testing"
	"time"
)

// TestNextHopFilterInTheKernel attaches the filter to a real UDP socket
// and sends it every frame of the table: what the kernel passes on is what
// the interpreter kept, so the offsets are those a UDP socket's filter
// sees.
func TestNextHopFilterInTheKernel(t *testing.T) {
	const self = "node7"
	rx, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	if err := AttachNextHopFilter(rx, self); err != nil {
		t.Fatalf("attach: %v", err)
	}
	tx, err := net.DialUDP("udp4", nil, rx.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	var want []string
	names := map[string]string{} // a case's bytes: its name
	for _, c := range filterCases(t, self) {
		names[string(c.b)] = c.name
		if _, err := tx.Write(c.b); err != nil {
			t.Fatal(err)
		}
		if c.keep {
			want = append(want, c.name)
		}
	}
	var got []string
	buf := make([]byte, 2048)
	for len(got) < len(want) {
		_ = rx.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, err := rx.Read(buf)
		if err != nil {
			t.Fatalf("read after %q: %v", got, err)
		}
		got = append(got, names[string(buf[:n])])
	}
	_ = rx.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if n, err := rx.Read(buf); err == nil {
		t.Errorf("also kept %q", buf[:n])
	}
	if !slices.Equal(got, want) {
		t.Errorf("the kernel kept %q, want %q", got, want)
	}
}
