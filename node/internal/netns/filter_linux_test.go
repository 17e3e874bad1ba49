//go:build linux

package netns

import (
	"net"
	"net/netip"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// etherTest is the EtherType of the test's frames: IEEE 802 local
// experimental, which nothing else in the namespace sends.
const etherTest = 0x88b5

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// frames sends n frames with the Ethernet source src from v1 across the
// veth pair to v0, and counts those a packet socket on v0 receives. Such a
// socket, bound to one EtherType, sees a frame after the ingress hook,
// where the filter drops it.
func frames(t *testing.T, src net.HardwareAddr, n int) int {
	t.Helper()
	return sendFrames(t, src, etherTest, make([]byte, 46), n)
}

// ipFrames is frames for IPv4 packets from 10.99.0.2 to 10.99.0.1 of the
// transport protocol proto (TCP or UDP) between the ports sport and dport.
func ipFrames(t *testing.T, src net.HardwareAddr, proto byte, sport, dport uint16, n int) int {
	t.Helper()
	th := []byte{byte(sport >> 8), byte(sport), byte(dport >> 8), byte(dport), 0, 8, 0, 0} // UDP
	if proto == ipprotoTCP {
		th = append(th[:4], make([]byte, 16)...)
		th[12] = 5 << 4 // data offset: 5 words
	}
	ip := []byte{0x45, 0, 0, byte(20 + len(th)), 0, 0, 0, 0, 64, proto, 0, 0, 10, 99, 0, 2, 10, 99, 0, 1}
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(ip[i])<<8 | uint32(ip[i+1])
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	ip[10], ip[11] = byte(^sum>>8), byte(^sum)
	return sendFrames(t, src, syscall.ETH_P_IP, append(ip, th...), n)
}

// sendFrames sends n frames of etherType with payload, from v1 with the
// Ethernet source src, and counts those of etherType that v0 receives.
func sendFrames(t *testing.T, src net.HardwareAddr, etherType uint16, payload []byte, n int) int {
	t.Helper()
	v0, v1 := iface(t, "v0"), iface(t, "v1")
	rx := packetSocket(t, v0.Index, etherType)
	defer syscall.Close(rx)
	tv := syscall.NsecToTimeval((200 * time.Millisecond).Nanoseconds())
	if err := syscall.SetsockoptTimeval(rx, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv); err != nil {
		t.Fatal(err)
	}
	// Room for every frame: they all come before the first is read.
	_ = syscall.SetsockoptInt(rx, syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, 4<<20)
	tx := packetSocket(t, v1.Index, etherType)
	defer syscall.Close(tx)
	frame := append(append(append([]byte{}, v0.HardwareAddr...), src...), byte(etherType>>8), byte(etherType))
	frame = append(frame, payload...)
	to := &syscall.SockaddrLinklayer{Ifindex: v1.Index, Halen: 6}
	copy(to.Addr[:], v0.HardwareAddr)
	for range n {
		if err := syscall.Sendto(tx, frame, 0, to); err != nil {
			t.Fatalf("send a frame on v1: %v", err)
		}
	}
	got := 0
	buf := make([]byte, 1500)
	for {
		if _, _, err := syscall.Recvfrom(rx, buf, 0); err != nil {
			return got // the timeout: every frame that came has come
		}
		got++
	}
}

func iface(t *testing.T, name string) *net.Interface {
	t.Helper()
	ifc, err := net.InterfaceByName(name)
	if err != nil {
		t.Fatal(err)
	}
	return ifc
}

func packetSocket(t *testing.T, index int, etherType uint16) int {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, int(htons(etherType)))
	if err != nil {
		t.Skipf("packet socket: %v", err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrLinklayer{Protocol: htons(etherType), Ifindex: index}); err != nil {
		t.Fatal(err)
	}
	return fd
}

// nftList is "nft list ruleset", or "" without nft.
func nftList(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("nft"); err != nil {
		return ""
	}
	out, err := exec.Command("nft", "list", "ruleset").CombinedOutput()
	if err != nil {
		t.Fatalf("nft list ruleset: %v: %s", err, out)
	}
	return string(out)
}

func replace(t *testing.T, args ...string) {
	t.Helper()
	fs, err := ParseFilters(args)
	if err != nil {
		t.Fatal(err)
	}
	byAddr, err := InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	chains, err := Group(fs, byAddr)
	if err != nil {
		t.Fatal(err)
	}
	if err := ReplaceFilter(chains); err != nil {
		t.Fatal(err)
	}
}

func TestInNamespaceFilter(t *testing.T) {
	if !inFreshNetns(t, "TestInNamespaceFilter") {
		return
	}
	veth(t)
	peer, other := iface(t, "v1").HardwareAddr, net.HardwareAddr{2, 0, 0, 0, 0, 0x99}
	if got := frames(t, peer, 5); got != 5 {
		t.Fatalf("before any filter, %d of 5 frames came across the veth pair", got)
	}
	replace(t) // no table yet: succeeds all the same
	replace(t, "10.99.0.1,"+peer.String()+",100")
	if got := frames(t, peer, 5); got != 0 {
		t.Errorf("a 100%% filter let %d of 5 frames from %s through", got, peer)
	}
	if got := frames(t, other, 5); got != 5 {
		t.Errorf("a filter of %s dropped %d of 5 frames from %s", peer, 5-got, other)
	}
	if out := nftList(t); out != "" && (!strings.Contains(out, `device "v0"`) ||
		!strings.Contains(out, "ether saddr "+peer.String()+" drop") || strings.Contains(out, "numgen")) {
		t.Errorf("nft list ruleset:\n%s", out)
	}

	// The kernel refuses a chain on a device whose name is too long for one
	// (a missing device it takes, since Linux 6.16, for one to come), and the
	// filter installed before stays.
	f, _ := ParseFilter("10.99.0.1,02:00:00:00:00:01,100")
	err := ReplaceFilter([]Chain{{Dev: "nosuch-and-too-long-a-name", Filters: []Filter{f}}})
	if err == nil || !strings.Contains(err.Error(), `filter rules "10.99.0.1,02:00:00:00:00:01,100": ingress chain on nosuch-and-too-long-a-name: `) {
		t.Errorf("a chain on a bad device name: %v", err)
	} else {
		t.Logf("a chain on a bad device name: %v", err)
	}
	if got := frames(t, peer, 5); got != 0 {
		t.Errorf("after a refused replacement, %d of 5 frames from %s came through", got, peer)
	}

	replace(t, "10.99.0.1,"+peer.String()+",50")
	got := frames(t, peer, 400)
	t.Logf("a 50%% filter let %d of 400 frames through", got)
	if got < 120 || got > 280 {
		t.Errorf("a 50%% filter let %d of 400 frames through", got)
	}
	if out := nftList(t); out != "" && !strings.Contains(out, "numgen random mod 100 < 50 ether saddr "+peer.String()+" drop") {
		t.Errorf("nft list ruleset:\n%s", out)
	}

	// A lossy rule that keeps the agent's port loses everything else.
	replace(t, "10.99.0.1,"+peer.String()+",99,7000")
	for _, tc := range []struct {
		what         string
		proto        byte
		sport, dport uint16
		kept         bool
	}{
		{"udp to the port", ipprotoUDP, 7000, 7000, true},
		{"tcp to the port", ipprotoTCP, 40000, 7000, true},
		{"tcp from the port", ipprotoTCP, 7000, 40000, true},
		{"udp elsewhere", ipprotoUDP, 40000, 9, false},
		{"tcp elsewhere", ipprotoTCP, 40000, 8080, false},
	} {
		got := ipFrames(t, peer, tc.proto, tc.sport, tc.dport, 40)
		if tc.kept && got != 40 || !tc.kept && got > 8 {
			t.Errorf("99%% loss keeping port 7000: %s: %d of 40 packets came through", tc.what, got)
		}
	}
	if out := nftList(t); out != "" && !strings.Contains(out, "7000 accept") {
		t.Errorf("nft list ruleset:\n%s", out)
	}

	// A link cut one way keeps ARP from the peer, and nothing else.
	replace(t, "10.99.0.1,"+peer.String()+",100,arp")
	if got := sendFrames(t, peer, syscall.ETH_P_ARP, make([]byte, 46), 5); got != 5 {
		t.Errorf("a one-way cut let %d of 5 ARP frames through, want all", got)
	}
	if got := ipFrames(t, peer, ipprotoUDP, 40000, 9, 5); got != 0 {
		t.Errorf("a one-way cut let %d of 5 IP packets through", got)
	}

	replace(t)
	if got := frames(t, peer, 5); got != 5 {
		t.Errorf("after the filter is removed, %d of 5 frames came through", got)
	}
	if out := nftList(t); strings.Contains(out, "topo") {
		t.Errorf("nft list ruleset after the filter is removed:\n%s", out)
	}
	if m, err := InterfaceAddrs(); err != nil || m[netip.MustParseAddr("10.99.0.1")] != "v0" {
		t.Errorf("InterfaceAddrs: %v, %v", m, err)
	}
}
