package netns

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// The expected bytes below are what nft 1.x itself sends for
// "table netdev topo { chain ingress_v0 { type filter hook ingress device
// "v0" priority 0; policy accept; ether saddr 02:42:0a:d2:00:03 drop } }"
// (seen with strace -e write=3), but for NLM_F_ACK. Attribute headers
// are "len type" in host byte order; nf_tables' u32 values big-endian.

func TestBatchMessages(t *testing.T) {
	littleEndian(t)
	begin := unhex(t, `
		14000000 1000 0100 05000000 00000000 -- nlmsghdr: 20 bytes, NFNL_MSG_BATCH_BEGIN, REQUEST, seq 5
		00 00 000a                           -- nfgenmsg: AF_UNSPEC, NFNETLINK_V0, res_id NFNL_SUBSYS_NFTABLES (big-endian)`)
	if got := batchMessage(nfnlMsgBatchBegin, 5); !bytes.Equal(got, begin) {
		t.Errorf("batch begin:\n got %x\nwant %x", got, begin)
	}
	end := unhex(t, `
		14000000 1100 0100 09000000 00000000 -- NFNL_MSG_BATCH_END, seq 9
		00 00 000a`)
	if got := batchMessage(nfnlMsgBatchEnd, 9); !bytes.Equal(got, end) {
		t.Errorf("batch end:\n got %x\nwant %x", got, end)
	}
}

func TestTableMessages(t *testing.T) {
	littleEndian(t)
	newTable := unhex(t, `
		20000000 000a 0504 01000000 00000000 -- nlmsghdr: 32 bytes, NFNL_SUBSYS_NFTABLES<<8|NFT_MSG_NEWTABLE, REQUEST|ACK|CREATE, seq 1
		05 00 0000                           -- nfgenmsg: NFPROTO_NETDEV, v0, res_id 0
		0900 0100 746f706f 00000000          -- NFTA_TABLE_NAME "topo\0", padded`)
	if got := newTableMessage(1, "topo"); !bytes.Equal(got, newTable) {
		t.Errorf("newTableMessage:\n got %x\nwant %x", got, newTable)
	}
	delTable := unhex(t, `
		20000000 020a 0500 02000000 00000000 -- NFT_MSG_DELTABLE, REQUEST|ACK, seq 2
		05 00 0000
		0900 0100 746f706f 00000000          -- NFTA_TABLE_NAME "topo"`)
	if got := delTableMessage(2, "topo"); !bytes.Equal(got, delTable) {
		t.Errorf("delTableMessage:\n got %x\nwant %x", got, delTable)
	}
}

func TestChainMessage(t *testing.T) {
	littleEndian(t)
	want := unhex(t, `
		60000000 030a 0504 04000000 00000000 -- 96 bytes, NFT_MSG_NEWCHAIN, REQUEST|ACK|CREATE, seq 4
		05 00 0000                           -- NFPROTO_NETDEV
		0900 0100 746f706f 00000000          -- NFTA_CHAIN_TABLE "topo"
		0f00 0300 696e67726573735f7630 00 00 -- NFTA_CHAIN_NAME "ingress_v0"
		0b00 0700 66696c746572 0000          -- NFTA_CHAIN_TYPE "filter"
		0800 0500 00000001                   -- NFTA_CHAIN_POLICY NF_ACCEPT
		1c00 0480                            -- NFTA_CHAIN_HOOK, NLA_F_NESTED
		0800 0100 00000000                   --   NFTA_HOOK_HOOKNUM NF_NETDEV_INGRESS
		0800 0200 00000000                   --   NFTA_HOOK_PRIORITY 0
		0700 0300 763000 00                  --   NFTA_HOOK_DEV "v0"`)
	if got := chainMessage(4, "topo", "ingress_v0", "v0"); !bytes.Equal(got, want) {
		t.Errorf("chainMessage:\n got %x\nwant %x", got, want)
	}
}

func TestRuleMessage(t *testing.T) {
	littleEndian(t)
	want := unhex(t, `
		18010000 060a 050c 05000000 00000000 -- 280 bytes, NFT_MSG_NEWRULE, REQUEST|ACK|CREATE|APPEND, seq 5
		05 00 0000                           -- NFPROTO_NETDEV
		0900 0100 746f706f 00000000          -- NFTA_RULE_TABLE "topo"
		0f00 0200 696e67726573735f7630 00 00 -- NFTA_RULE_CHAIN "ingress_v0"
		e800 0480                            -- NFTA_RULE_EXPRESSIONS
		2400 0180                            --   NFTA_LIST_ELEM
		0900 0100 6d657461 00000000          --     NFTA_EXPR_NAME "meta"
		1400 0280                            --     NFTA_EXPR_DATA
		0800 0200 00000008                   --       NFTA_META_KEY NFT_META_IIFTYPE
		0800 0100 00000001                   --       NFTA_META_DREG NFT_REG_1
		2c00 0180                            --   NFTA_LIST_ELEM
		0800 0100 636d7000                   --     "cmp"
		2000 0280
		0800 0100 00000001                   --       NFTA_CMP_SREG NFT_REG_1
		0800 0200 00000000                   --       NFTA_CMP_OP NFT_CMP_EQ
		0c00 0380                            --       NFTA_CMP_DATA
		0600 0100 0100 0000                  --         NFTA_DATA_VALUE ARPHRD_ETHER, u16 in host order
		3400 0180                            --   NFTA_LIST_ELEM
		0c00 0100 7061796c6f616400           --     "payload"
		2400 0280
		0800 0100 00000001                   --       NFTA_PAYLOAD_DREG NFT_REG_1
		0800 0200 00000000                   --       NFTA_PAYLOAD_BASE NFT_PAYLOAD_LL_HEADER
		0800 0300 00000006                   --       NFTA_PAYLOAD_OFFSET 6: the source address
		0800 0400 00000006                   --       NFTA_PAYLOAD_LEN 6
		3000 0180                            --   NFTA_LIST_ELEM
		0800 0100 636d7000                   --     "cmp"
		2400 0280
		0800 0100 00000001                   --       NFTA_CMP_SREG NFT_REG_1
		0800 0200 00000000                   --       NFTA_CMP_OP NFT_CMP_EQ
		1000 0380                            --       NFTA_CMP_DATA
		0a00 0100 02420ad20003 0000          --         NFTA_DATA_VALUE 02:42:0a:d2:00:03
		3000 0180                            --   NFTA_LIST_ELEM
		0e00 0100 696d6d656469617465 000000  --     "immediate"
		1c00 0280
		0800 0100 00000000                   --       NFTA_IMMEDIATE_DREG NFT_REG_VERDICT
		1000 0280                            --       NFTA_IMMEDIATE_DATA
		0c00 0280                            --         NFTA_DATA_VERDICT
		0800 0100 00000000                   --           NFTA_VERDICT_CODE NF_DROP`)
	mac := [6]byte{0x02, 0x42, 0x0a, 0xd2, 0x00, 0x03}
	if got := ruleMessage(5, "topo", "ingress_v0", dropFromMAC(mac, 100)...); !bytes.Equal(got, want) {
		t.Errorf("ruleMessage of a 100%% drop:\n got %x\nwant %x", got, want)
	}
}

// TestRandomShare checks the expressions a share below 100% puts first:
// "numgen random mod 100 < 50", as nft writes it.
func TestRandomShare(t *testing.T) {
	littleEndian(t)
	want := unhex(t, `
		3400 0180                    -- NFTA_LIST_ELEM
		0b00 0100 6e756d67656e 0000  --   "numgen"
		2400 0280
		0800 0100 00000001           --     NFTA_NG_DREG NFT_REG_1
		0800 0200 00000064           --     NFTA_NG_MODULUS 100
		0800 0300 00000001           --     NFTA_NG_TYPE NFT_NG_RANDOM
		0800 0400 00000000           --     NFTA_NG_OFFSET 0
		4000 0180                    -- NFTA_LIST_ELEM
		0e00 0100 627974656f72646572 000000 -- "byteorder"
		2c00 0280
		0800 0100 00000001           --     NFTA_BYTEORDER_SREG NFT_REG_1
		0800 0200 00000001           --     NFTA_BYTEORDER_DREG NFT_REG_1
		0800 0300 00000001           --     NFTA_BYTEORDER_OP NFT_BYTEORDER_HTON
		0800 0400 00000004           --     NFTA_BYTEORDER_LEN 4
		0800 0500 00000004           --     NFTA_BYTEORDER_SIZE 4
		2c00 0180                    -- NFTA_LIST_ELEM
		0800 0100 636d7000           --   "cmp"
		2000 0280
		0800 0100 00000001           --     NFTA_CMP_SREG NFT_REG_1
		0800 0200 00000002           --     NFTA_CMP_OP NFT_CMP_LT
		0c00 0380
		0800 0100 00000032           --       NFTA_DATA_VALUE 50, big-endian after hton`)
	mac := [6]byte{2, 0x42, 0x0a, 0xd2, 0, 4}
	exprs := dropFromMAC(mac, 50)
	if got := bytes.Join(exprs[:3], nil); !bytes.Equal(got, want) {
		t.Errorf("numgen, byteorder, cmp lt:\n got %x\nwant %x", got, want)
	}
	if got, want := bytes.Join(exprs[3:], nil), bytes.Join(dropFromMAC(mac, 100), nil); !bytes.Equal(got, want) {
		t.Errorf("the MAC match after the share:\n got %x\nwant %x", got, want)
	}
}

// TestShareOf: a share is drawn from the smallest power of ten that holds
// it exactly, so that 0.5% drops one in two hundred, not none or one in a
// hundred.
func TestShareOf(t *testing.T) {
	for _, c := range []struct {
		percent    float64
		mod, below uint32
	}{
		{50, 100, 50}, {1, 100, 1}, {99, 100, 99}, {0.5, 1000, 5}, {12.5, 1000, 125},
		{0.25, 10_000, 25}, {0.1, 1000, 1}, {0.0001, 1_000_000, 1}, {0.00004, 1_000_000, 1},
		{33.3333333, 1_000_000, 333_333},
	} {
		if mod, below := shareOf(c.percent); mod != c.mod || below != c.below {
			t.Errorf("shareOf(%v) = mod %d < %d, want mod %d < %d", c.percent, mod, below, c.mod, c.below)
		}
	}
}

// nlTypes lists the message types of a batch, and checks that each is
// numbered one above the last.
func nlTypes(t *testing.T, b []byte, seq uint32) []uint16 {
	t.Helper()
	var types []uint16
	for len(b) >= nlmsgHdrLen {
		n := int(binary.NativeEndian.Uint32(b))
		if n < nlmsgHdrLen || n > len(b) || n%4 != 0 {
			t.Fatalf("bad message length %d of %d", n, len(b))
		}
		if got := binary.NativeEndian.Uint32(b[8:]); got != seq {
			t.Errorf("message %d: seq %d, want %d", len(types), got, seq)
		}
		types = append(types, binary.NativeEndian.Uint16(b[4:]))
		b, seq = b[n:], seq+1
	}
	if len(b) != 0 {
		t.Errorf("%d bytes left over", len(b))
	}
	return types
}
