//go:build linux

package netns

import (
	"errors"
	"fmt"
	"syscall"
)

// ReplaceFilter makes chains the namespace's whole fault filter, in one
// nf_tables transaction: it deletes the table FilterTable, if there is
// one, and creates it again with chains; with no chains it only deletes
// it. The kernel applies all of it or nothing, so when it fails the
// filter that was there stays. The error names the message the kernel
// refused, e.g. "filter rule 10.210.0.2,02:42:0a:d2:00:03,100: ingress
// chain on eth0: no such file or directory". It needs CAP_NET_ADMIN.
func ReplaceFilter(chains []Chain) error {
	c, err := dial(syscall.NETLINK_NETFILTER, "nfnetlink")
	if err != nil {
		return nftHint(err)
	}
	defer c.Close()
	first := c.seq + 1
	batch, what := filterBatch(first, chains)
	c.growBuffers(len(batch), len(what))
	if err := c.send(batch); err != nil {
		return nftHint(err)
	}
	// Every message but BATCH_BEGIN and BATCH_END asks for an ACK; the
	// kernel sends them, or the errors, once the transaction is over. A
	// refusal of BATCH_BEGIN itself, or of the commit, comes as an error
	// to BATCH_BEGIN's number.
	pending := len(what) - 1
	return c.answers(func(m syscall.NetlinkMessage) (bool, error) {
		i := int(m.Header.Seq - first)
		if m.Header.Type != nlmsgError || m.Header.Seq < first || i >= len(what) {
			return false, nil
		}
		if err := ackError(m.Header.Flags, m.Data); err != nil {
			return true, fmt.Errorf("%s: %w", what[i], nftHint(err))
		}
		if i > 0 {
			pending--
		}
		return pending == 0, nil
	})
}

// growBuffers makes room for a large batch and its answers, best effort:
// SO_SNDBUFFORCE and SO_RCVBUFFORCE pass the system limits with
// CAP_NET_ADMIN, which a filter needs anyway; the defaults hold hundreds
// of rules.
func (c *Conn) growBuffers(batch, acks int) {
	if n := 2 * batch; n > 1<<17 {
		_ = syscall.SetsockoptInt(c.fd, syscall.SOL_SOCKET, syscall.SO_SNDBUFFORCE, n)
	}
	if n := acks << 10; n > 1<<17 {
		_ = syscall.SetsockoptInt(c.fd, syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, n)
	}
}

// nftHint says what the errors a missing privilege or a kernel without
// nf_tables give mean.
func nftHint(err error) error {
	switch {
	case errors.Is(err, syscall.EPERM), errors.Is(err, syscall.EACCES):
		return fmt.Errorf("%w: run with CAP_NET_ADMIN (--cap-add NET_ADMIN)", err)
	case errors.Is(err, syscall.EPROTONOSUPPORT), errors.Is(err, syscall.EAFNOSUPPORT):
		return fmt.Errorf("%w: this kernel has no nfnetlink (CONFIG_NETFILTER_NETLINK, CONFIG_NF_TABLES)", err)
	}
	return err
}
