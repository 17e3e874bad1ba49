package netns

import (
	"encoding/binary"
	"syscall"
)

// The rtnetlink ABI, from linux/netlink.h, linux/rtnetlink.h,
// linux/if_link.h and linux/ip.h. Spelt out here, not taken from syscall,
// so that the encoding is the same, and testable, on every platform.
const (
	nlmsgHdrLen  = 16 // struct nlmsghdr
	rtMsgLen     = 12 // struct rtmsg
	ifInfoMsgLen = 16 // struct ifinfomsg
	nlmsgError   = 2  // NLMSG_ERROR

	nlmFRequest = 0x1
	nlmFAck     = 0x4
	nlmFReplace = 0x100
	nlmFCreate  = 0x400
	nlmFCapped  = 0x100 // in an NLMSG_ERROR: the request is not echoed
	nlmFAckTLVs = 0x200 // in an NLMSG_ERROR: extended ack attributes follow

	rtmNewLink  = 16
	rtmNewRoute = 24

	rtTableMain              = 254
	rtprotStatic             = 4
	rtScopeUniverse          = 0
	rtnUnicast               = 1
	rtaDst                   = 1
	rtaGateway               = 5
	iflaAFSpec               = 26
	iflaInetConf             = 1
	nlmsgerrAttrMsg          = 1 // NLMSGERR_ATTR_MSG: the kernel's reason, a string
	afInet                   = 2
	ipv4DevconfRPF           = 8 // IPV4_DEVCONF_RP_FILTER, 1-based, as IFLA_INET_CONF wants
	ipv4DevconfSendRedirects = 6 // IPV4_DEVCONF_SEND_REDIRECTS
	netlinkCapAck            = 10
	netlinkExtAck            = 11
	solNetlink               = 270
	rtaAlignTo               = 4
	nlmsgErrorMinLen         = 4 + nlmsgHdrLen // int error + the request's header
)

var ne = binary.NativeEndian // netlink speaks the host's byte order

// align rounds n up to the netlink attribute alignment.
func align(n int) int { return (n + rtaAlignTo - 1) &^ (rtaAlignTo - 1) }

// attr encodes one netlink attribute (struct rtattr or nlattr, which are
// laid out alike), padded to the alignment.
func attr(typ uint16, data ...[]byte) []byte {
	n := 4
	for _, d := range data {
		n += len(d)
	}
	b := make([]byte, 4, align(n))
	ne.PutUint16(b[0:], uint16(n))
	ne.PutUint16(b[2:], typ)
	for _, d := range data {
		b = append(b, d...)
	}
	return b[:align(n)]
}

func u32(v uint32) []byte { return ne.AppendUint32(nil, v) }

// message prepends a netlink header to body.
func message(typ, flags uint16, seq uint32, body ...[]byte) []byte {
	b := make([]byte, nlmsgHdrLen)
	for _, p := range body {
		b = append(b, p...)
	}
	ne.PutUint32(b[0:], uint32(len(b)))
	ne.PutUint16(b[4:], typ)
	ne.PutUint16(b[6:], flags)
	ne.PutUint32(b[8:], seq)
	// nlmsg_pid stays 0: the kernel fills in our port id.
	return b
}

// routeMessage is the RTM_NEWROUTE request that adds r to the main table,
// replacing any route to the same subnet.
func routeMessage(seq uint32, r Route) []byte {
	rtm := make([]byte, rtMsgLen)
	rtm[0] = afInet
	rtm[1] = byte(r.To.Bits()) // rtm_dst_len
	rtm[4] = rtTableMain
	rtm[5] = rtprotStatic
	rtm[6] = rtScopeUniverse
	rtm[7] = rtnUnicast
	dst, via := r.To.Addr().As4(), r.Via.As4()
	return message(rtmNewRoute, nlmFRequest|nlmFAck|nlmFCreate|nlmFReplace, seq,
		rtm, attr(rtaDst, dst[:]), attr(rtaGateway, via[:]))
}

// devconfMessage is the RTM_NEWLINK request that sets the IPv4 devconf
// entry id of the interface index to v, as writing
// /proc/sys/net/ipv4/conf/<if>/... would: IFLA_AF_SPEC, then AF_INET, then
// IFLA_INET_CONF, then one attribute per entry, typed by its 1-based index.
func devconfMessage(seq uint32, index int, id uint16, v uint32) []byte {
	ifi := make([]byte, ifInfoMsgLen) // family AF_UNSPEC, no flag changes
	ne.PutUint32(ifi[4:], uint32(int32(index)))
	spec := attr(iflaAFSpec, attr(afInet, attr(iflaInetConf, attr(id, u32(v)))))
	return message(rtmNewLink, nlmFRequest|nlmFAck, seq, ifi, spec)
}

// ackError reads the kernel's answer to request seq out of one NLMSG_ERROR
// payload: nil for an ACK, else the errno, with the kernel's own words when
// it gave some (extended ack, see NETLINK_EXT_ACK).
func ackError(flags uint16, data []byte) error {
	if len(data) < nlmsgErrorMinLen {
		return &Error{Errno: syscall.EBADMSG, Msg: "short NLMSG_ERROR from the kernel"}
	}
	code := int32(ne.Uint32(data))
	if code == 0 {
		return nil
	}
	e := &Error{Errno: syscall.Errno(-code)}
	if flags&nlmFAckTLVs == 0 {
		return e
	}
	rest := data[4:]
	if flags&nlmFCapped != 0 {
		rest = rest[nlmsgHdrLen:]
	} else if n := int(ne.Uint32(rest)); n >= nlmsgHdrLen && n <= len(rest) {
		rest = rest[min(align(n), len(rest)):]
	} else {
		return e
	}
	for len(rest) >= 4 {
		n, typ := int(ne.Uint16(rest)), ne.Uint16(rest[2:])
		if n < 4 || n > len(rest) {
			break
		}
		if typ == nlmsgerrAttrMsg {
			e.Msg = string(trimNUL(rest[4:n]))
		}
		rest = rest[min(align(n), len(rest)):]
	}
	return e
}

func trimNUL(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return b
}

// Error is the kernel's refusal of a request: the errno, and its reason
// in words when it gave one.
type Error struct {
	Errno syscall.Errno
	Msg   string
}

func (e *Error) Error() string {
	if e.Msg == "" {
		return e.Errno.Error()
	}
	return e.Errno.Error() + " (" + e.Msg + ")"
}

// Unwrap lets errors.Is(err, syscall.ENETUNREACH) see the errno.
func (e *Error) Unwrap() error { return e.Errno }
