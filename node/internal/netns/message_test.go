package netns

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net/netip"
	"strings"
	"syscall"
	"testing"
)

// littleEndian skips a byte-exact test on a big-endian host: netlink speaks
// the host's byte order and the expected bytes are written for amd64/arm64.
func littleEndian(t *testing.T) {
	t.Helper()
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("expected bytes are little-endian")
	}
}

// unhex decodes hex written across lines, each with an optional "--" comment.
func unhex(t *testing.T, s string) []byte {
	t.Helper()
	var h strings.Builder
	for _, line := range strings.Split(s, "\n") {
		line, _, _ = strings.Cut(line, "--")
		h.WriteString(strings.Join(strings.Fields(line), ""))
	}
	b, err := hex.DecodeString(h.String())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRouteMessage(t *testing.T) {
	littleEndian(t)
	r := Route{To: netip.MustParsePrefix("10.210.0.16/29"), Via: netip.MustParseAddr("10.210.0.2")}
	want := unhex(t, `
		2c000000 1800 0505 07000000 00000000 -- nlmsghdr: 44 bytes, RTM_NEWROUTE, REQUEST|ACK|REPLACE|CREATE, seq 7
		02 1d 00 00 fe 04 00 01 00000000     -- rtmsg: AF_INET, /29, main, static, universe, unicast
		0800 0100 0ad20010                   -- RTA_DST 10.210.0.16
		0800 0500 0ad20002                   -- RTA_GATEWAY 10.210.0.2`)
	if got := routeMessage(7, r); !bytes.Equal(got, want) {
		t.Errorf("routeMessage:\n got %x\nwant %x", got, want)
	}
}

func TestDevconfMessage(t *testing.T) {
	littleEndian(t)
	want := unhex(t, `
		34000000 1000 0500 03000000 00000000 -- nlmsghdr: 52 bytes, RTM_NEWLINK, REQUEST|ACK, seq 3
		00 00 0000 05000000 00000000 00000000 -- ifinfomsg: AF_UNSPEC, index 5
		1400 1a00                             -- IFLA_AF_SPEC, 20 bytes
		1000 0200                             --   AF_INET, 16
		0c00 0100                             --     IFLA_INET_CONF, 12
		0800 0800 00000000                    --       IPV4_DEVCONF_RP_FILTER = 0`)
	if got := devconfMessage(3, 5, ipv4DevconfRPF, 0); !bytes.Equal(got, want) {
		t.Errorf("devconfMessage:\n got %x\nwant %x", got, want)
	}
}

func TestAttrPads(t *testing.T) {
	if got := attr(3, []byte("eth0\x00")); len(got) != 12 || binary.NativeEndian.Uint16(got) != 9 {
		t.Errorf("attr of 5 bytes = %x; want length 9, padded to 12", got)
	}
}

func TestAckError(t *testing.T) {
	hdr := make([]byte, nlmsgHdrLen)
	errno := func(e syscall.Errno) []byte { return binary.NativeEndian.AppendUint32(nil, uint32(-int32(e))) }
	if err := ackError(0, append(errno(0), hdr...)); err != nil {
		t.Errorf("ACK: %v", err)
	}
	err := ackError(0, append(errno(syscall.ENETUNREACH), hdr...))
	if !errors.Is(err, syscall.ENETUNREACH) || err.Error() != "network is unreachable" {
		t.Errorf("ENETUNREACH: %v", err)
	}
	// Capped, with the kernel's reason as NLMSGERR_ATTR_MSG.
	data := append(append(errno(syscall.EINVAL), hdr...), attr(nlmsgerrAttrMsg, []byte("Nexthop has invalid gateway\x00"))...)
	err = ackError(nlmFCapped|nlmFAckTLVs, data)
	if !errors.Is(err, syscall.EINVAL) || !strings.HasSuffix(err.Error(), "(Nexthop has invalid gateway)") {
		t.Errorf("extended ack: %v", err)
	}
	// Not capped: the whole request is echoed before the attributes.
	req := routeMessage(1, Route{To: netip.MustParsePrefix("10.0.0.0/8"), Via: netip.MustParseAddr("10.0.0.1")})
	data = append(append(errno(syscall.EINVAL), req...), attr(nlmsgerrAttrMsg, []byte("bad\x00"))...)
	if err := ackError(nlmFAckTLVs, data); err == nil || !strings.HasSuffix(err.Error(), "(bad)") {
		t.Errorf("extended ack after the echoed request: %v", err)
	}
	if err := ackError(0, errno(syscall.EINVAL)); !errors.Is(err, syscall.EBADMSG) {
		t.Errorf("short: %v", err)
	}
}

func FuzzAckError(f *testing.F) {
	f.Add(uint16(nlmFAckTLVs), []byte{0xea, 0xff, 0xff, 0xff, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 1, 0, 'x', 0, 0, 0})
	f.Fuzz(func(t *testing.T, flags uint16, data []byte) {
		_ = ackError(flags, data) // must not panic
	})
}
