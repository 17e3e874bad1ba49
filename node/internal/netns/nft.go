package netns

import (
	"encoding/binary"
	"math"
)

// The nf_tables ABI, from linux/netlink.h, linux/netfilter.h,
// linux/netfilter/nfnetlink.h and linux/netfilter/nf_tables.h. The
// netlink and nfgenmsg headers are in the host's byte order, like
// rtnetlink; nf_tables' own 32-bit attributes are big-endian (the kernel
// reads them with ntohl), except register contents such as cmp data,
// which are compared byte by byte with what the expressions loaded.
const (
	nlaFNested   = 0x8000 // NLA_F_NESTED
	nlmFAppend   = 0x800  // NLM_F_APPEND
	nlmsgMinType = 0x10   // NLMSG_MIN_TYPE
	nfgenMsgLen  = 4      // struct nfgenmsg
	afUnspec     = 0

	nfnlMsgBatchBegin  = nlmsgMinType     // NFNL_MSG_BATCH_BEGIN
	nfnlMsgBatchEnd    = nlmsgMinType + 1 // NFNL_MSG_BATCH_END
	nfnlSubsysNftables = 10               // NFNL_SUBSYS_NFTABLES

	// enum nf_tables_msg_types
	nftMsgNewTable = 0
	nftMsgDelTable = 2
	nftMsgNewChain = 3
	nftMsgNewRule  = 6

	nfprotoNetdev   = 5 // NFPROTO_NETDEV
	nfNetdevIngress = 0 // NF_NETDEV_INGRESS
	nfDrop          = 0 // NF_DROP
	nfAccept        = 1 // NF_ACCEPT

	nftaTableName       = 1 // NFTA_TABLE_NAME
	nftaChainTable      = 1 // NFTA_CHAIN_TABLE
	nftaChainName       = 3 // NFTA_CHAIN_NAME
	nftaChainHook       = 4 // NFTA_CHAIN_HOOK
	nftaChainPolicy     = 5 // NFTA_CHAIN_POLICY
	nftaChainType       = 7 // NFTA_CHAIN_TYPE
	nftaHookHooknum     = 1 // NFTA_HOOK_HOOKNUM
	nftaHookPriority    = 2 // NFTA_HOOK_PRIORITY
	nftaHookDev         = 3 // NFTA_HOOK_DEV
	nftaRuleTable       = 1 // NFTA_RULE_TABLE
	nftaRuleChain       = 2 // NFTA_RULE_CHAIN
	nftaRuleExpressions = 4 // NFTA_RULE_EXPRESSIONS
	nftaListElem        = 1 // NFTA_LIST_ELEM
	nftaExprName        = 1 // NFTA_EXPR_NAME
	nftaExprData        = 2 // NFTA_EXPR_DATA
	nftaDataValue       = 1 // NFTA_DATA_VALUE
	nftaDataVerdict     = 2 // NFTA_DATA_VERDICT
	nftaVerdictCode     = 1 // NFTA_VERDICT_CODE

	nftRegVerdict = 0 // NFT_REG_VERDICT
	nftReg1       = 1 // NFT_REG_1, 16 bytes

	nftaMetaDreg   = 1  // NFTA_META_DREG
	nftaMetaKey    = 2  // NFTA_META_KEY
	nftMetaIiftype = 8  // NFT_META_IIFTYPE: dev->type, a u16
	nftMetaL4proto = 16 // NFT_META_L4PROTO: the transport protocol, a u8
	ipprotoTCP     = 6
	ipprotoUDP     = 17
	arphrdEther    = 1 // ARPHRD_ETHER, from linux/if_arp.h

	nftaCmpSreg = 1 // NFTA_CMP_SREG
	nftaCmpOp   = 2 // NFTA_CMP_OP
	nftaCmpData = 3 // NFTA_CMP_DATA
	nftCmpEq    = 0 // NFT_CMP_EQ
	nftCmpLt    = 2 // NFT_CMP_LT

	nftaPayloadDreg           = 1 // NFTA_PAYLOAD_DREG
	nftaPayloadBase           = 2 // NFTA_PAYLOAD_BASE
	nftaPayloadOffset         = 3 // NFTA_PAYLOAD_OFFSET
	nftaPayloadLen            = 4 // NFTA_PAYLOAD_LEN
	nftPayloadLLHeader        = 0 // NFT_PAYLOAD_LL_HEADER
	nftPayloadTransportHeader = 2 // NFT_PAYLOAD_TRANSPORT_HEADER

	nftaImmediateDreg = 1 // NFTA_IMMEDIATE_DREG
	nftaImmediateData = 2 // NFTA_IMMEDIATE_DATA

	nftaNgDreg    = 1 // NFTA_NG_DREG
	nftaNgModulus = 2 // NFTA_NG_MODULUS
	nftaNgType    = 3 // NFTA_NG_TYPE
	nftaNgOffset  = 4 // NFTA_NG_OFFSET
	nftNgRandom   = 1 // NFT_NG_RANDOM

	nftaByteorderSreg = 1 // NFTA_BYTEORDER_SREG
	nftaByteorderDreg = 2 // NFTA_BYTEORDER_DREG
	nftaByteorderOp   = 3 // NFTA_BYTEORDER_OP
	nftaByteorderLen  = 4 // NFTA_BYTEORDER_LEN
	nftaByteorderSize = 5 // NFTA_BYTEORDER_SIZE
	nftByteorderHton  = 1 // NFT_BYTEORDER_HTON
)

// be32 is a big-endian u32 attribute value, as nf_tables reads them.
func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// str is a NUL-terminated string attribute value (NLA_STRING).
func str(s string) []byte { return append([]byte(s), 0) }

// nest is a nested attribute, flagged NLA_F_NESTED as libnftnl does.
func nest(typ uint16, data ...[]byte) []byte { return attr(typ|nlaFNested, data...) }

// nfgenmsg is struct nfgenmsg: the family, NFNETLINK_V0, and res_id in
// network byte order.
func nfgenmsg(family byte, resID uint16) []byte {
	return []byte{family, 0, byte(resID >> 8), byte(resID)}
}

// batchMessage is NFNL_MSG_BATCH_BEGIN or NFNL_MSG_BATCH_END, which open
// and close one nf_tables transaction; res_id names the subsystem.
func batchMessage(typ uint16, seq uint32) []byte {
	return message(typ, nlmFRequest, seq, nfgenmsg(afUnspec, nfnlSubsysNftables))
}

// nftMessage is one nf_tables request of the netdev family, acked.
func nftMessage(typ, flags uint16, seq uint32, attrs ...[]byte) []byte {
	body := append([][]byte{nfgenmsg(nfprotoNetdev, 0)}, attrs...)
	return message(nfnlSubsysNftables<<8|typ, nlmFRequest|nlmFAck|flags, seq, body...)
}

// newTableMessage creates the table, or leaves it as it is when it exists
// already (no NLM_F_EXCL): so a DELTABLE after it cannot fail.
func newTableMessage(seq uint32, table string) []byte {
	return nftMessage(nftMsgNewTable, nlmFCreate, seq, attr(nftaTableName, str(table)))
}

// delTableMessage deletes the table with its chains and rules.
func delTableMessage(seq uint32, table string) []byte {
	return nftMessage(nftMsgDelTable, 0, seq, attr(nftaTableName, str(table)))
}

// chainMessage creates a base chain of type filter on the ingress hook of
// the device dev, at priority 0, that accepts what no rule drops.
func chainMessage(seq uint32, table, chain, dev string) []byte {
	hook := nest(nftaChainHook,
		attr(nftaHookHooknum, be32(nfNetdevIngress)),
		attr(nftaHookPriority, be32(0)),
		attr(nftaHookDev, str(dev)))
	return nftMessage(nftMsgNewChain, nlmFCreate, seq,
		attr(nftaChainTable, str(table)),
		attr(nftaChainName, str(chain)),
		attr(nftaChainType, str("filter")),
		attr(nftaChainPolicy, be32(nfAccept)),
		hook)
}

// ruleMessage appends a rule made of exprs to the chain.
func ruleMessage(seq uint32, table, chain string, exprs ...[]byte) []byte {
	return nftMessage(nftMsgNewRule, nlmFCreate|nlmFAppend, seq,
		attr(nftaRuleTable, str(table)),
		attr(nftaRuleChain, str(chain)),
		nest(nftaRuleExpressions, exprs...))
}

// expr is one element of a rule's expression list: its name and data.
func expr(name string, data ...[]byte) []byte {
	return nest(nftaListElem, attr(nftaExprName, str(name)), nest(nftaExprData, data...))
}

// metaLoad loads the meta key into reg: [ meta load KEY => reg ].
func metaLoad(key, reg uint32) []byte {
	return expr("meta", attr(nftaMetaKey, be32(key)), attr(nftaMetaDreg, be32(reg)))
}

// cmp compares reg with value: [ cmp OP reg VALUE ].
func cmp(op, reg uint32, value []byte) []byte {
	return expr("cmp",
		attr(nftaCmpSreg, be32(reg)),
		attr(nftaCmpOp, be32(op)),
		nest(nftaCmpData, attr(nftaDataValue, value)))
}

// payloadLoad loads n bytes at offset from base into reg:
// [ payload load Nb @ BASE + OFFSET => reg ].
func payloadLoad(base, offset, n, reg uint32) []byte {
	return expr("payload",
		attr(nftaPayloadDreg, be32(reg)),
		attr(nftaPayloadBase, be32(base)),
		attr(nftaPayloadOffset, be32(offset)),
		attr(nftaPayloadLen, be32(n)))
}

// verdict ends the rule with a verdict: [ immediate reg 0 VERDICT ].
func verdict(code uint32) []byte {
	return expr("immediate",
		attr(nftaImmediateDreg, be32(nftRegVerdict)),
		nest(nftaImmediateData, nest(nftaDataVerdict, attr(nftaVerdictCode, be32(code)))))
}

// numgenRandom puts a random number below mod in reg, in host byte order:
// [ numgen reg = random mod MOD ].
func numgenRandom(mod, reg uint32) []byte {
	return expr("numgen",
		attr(nftaNgDreg, be32(reg)),
		attr(nftaNgModulus, be32(mod)),
		attr(nftaNgType, be32(nftNgRandom)),
		attr(nftaNgOffset, be32(0)))
}

// hton32 turns the u32 in reg to network byte order, so that cmp, which
// compares bytes, orders it as a number: [ byteorder reg = hton(reg, 4, 4) ].
func hton32(reg uint32) []byte {
	return expr("byteorder",
		attr(nftaByteorderSreg, be32(reg)),
		attr(nftaByteorderDreg, be32(reg)),
		attr(nftaByteorderOp, be32(nftByteorderHton)),
		attr(nftaByteorderLen, be32(4)),
		attr(nftaByteorderSize, be32(4)))
}

// dropFromMAC are the expressions of "ether saddr MAC drop", preceded for
// a share below 100% by "numgen random mod 100 < percent", as nft itself
// writes them: the iiftype check is nft's dependency for an Ethernet
// header, which also makes "nft list ruleset" print the rule as written.
// A fraction of a percent draws from a larger power of ten (0.5%: "mod
// 1000 < 5").
func dropFromMAC(mac [6]byte, percent float64) [][]byte {
	var exprs [][]byte
	if percent < 100 {
		mod, below := shareOf(percent)
		exprs = append(exprs,
			numgenRandom(mod, nftReg1),
			hton32(nftReg1),
			cmp(nftCmpLt, nftReg1, be32(below)))
	}
	return append(exprs,
		metaLoad(nftMetaIiftype, nftReg1),
		cmp(nftCmpEq, nftReg1, ne.AppendUint16(nil, arphrdEther)), // dev->type, host order
		payloadLoad(nftPayloadLLHeader, 6, 6, nftReg1),            // the Ethernet source address
		cmp(nftCmpEq, nftReg1, mac[:]),
		verdict(nfDrop))
}

// keepPort are the rules, one a line, that accept what comes from mac to
// or from port over TCP and UDP, ahead of a lossy drop of what comes from
// mac: "ether saddr MAC meta l4proto tcp th dport PORT accept", and the
// same with th sport, and for udp. None when port is 0.
func keepPort(mac [6]byte, port uint16) [][][]byte {
	if port == 0 {
		return nil
	}
	var rules [][][]byte
	for _, proto := range []byte{ipprotoTCP, ipprotoUDP} {
		for _, offset := range []uint32{2, 0} { // th dport, th sport
			rules = append(rules, [][]byte{
				metaLoad(nftMetaIiftype, nftReg1),
				cmp(nftCmpEq, nftReg1, ne.AppendUint16(nil, arphrdEther)),
				payloadLoad(nftPayloadLLHeader, 6, 6, nftReg1),
				cmp(nftCmpEq, nftReg1, mac[:]),
				metaLoad(nftMetaL4proto, nftReg1),
				cmp(nftCmpEq, nftReg1, []byte{proto}),
				payloadLoad(nftPayloadTransportHeader, offset, 2, nftReg1),
				cmp(nftCmpEq, nftReg1, binary.BigEndian.AppendUint16(nil, port)),
				verdict(nfAccept),
			})
		}
	}
	return rules
}

// etherTypeARP is ARP's EtherType.
const etherTypeARP = 0x0806

// keepARP is the rule that accepts ARP from mac, ahead of a drop of what
// comes from mac: "ether saddr MAC ether type arp accept".
func keepARP(mac [6]byte) [][]byte {
	return [][]byte{
		metaLoad(nftMetaIiftype, nftReg1),
		cmp(nftCmpEq, nftReg1, ne.AppendUint16(nil, arphrdEther)),
		payloadLoad(nftPayloadLLHeader, 6, 6, nftReg1),
		cmp(nftCmpEq, nftReg1, mac[:]),
		payloadLoad(nftPayloadLLHeader, 12, 2, nftReg1), // the EtherType
		cmp(nftCmpEq, nftReg1, binary.BigEndian.AppendUint16(nil, etherTypeARP)),
		verdict(nfAccept),
	}
}

// shareOf is percent as "random mod MOD < BELOW": MOD is the smallest power
// of ten from 100 to a million that holds percent exactly (whole percents
// keep "mod 100", as people write it); finer shares are rounded to parts
// per million, at least one.
func shareOf(percent float64) (mod, below uint32) {
	ppm := uint32(max(1, math.Round(percent*10_000)))
	for mod = 100; mod < 1_000_000; mod *= 10 {
		if step := 1_000_000 / mod; ppm%step == 0 {
			return mod, ppm / step
		}
	}
	return mod, ppm
}
