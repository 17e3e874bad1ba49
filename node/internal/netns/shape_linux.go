//go:build linux

package netns

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// ReplaceShaping makes each shape the root qdisc of the interface that
// holds its address, found in byAddr: a tbf of its rate, or for rate 0 the
// interface's default. It reports every interface it could not shape; the
// others are shaped all the same. It needs CAP_NET_ADMIN.
func ReplaceShaping(shapes []Shape, byAddr map[netip.Addr]string) ([]string, error) {
	c, err := Open()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	var done []string
	var errs []error
	for _, s := range shapes {
		dev, ok := byAddr[s.Local]
		if !ok {
			errs = append(errs, fmt.Errorf("shape rule %q: no interface has the address %s", s.Rule.String(), s.Local))
			continue
		}
		ifc, err := net.InterfaceByName(dev)
		if err != nil {
			errs = append(errs, fmt.Errorf("shape rule %q: %w", s.Rule.String(), err))
			continue
		}
		c.seq++
		if s.Rate == 0 {
			err := c.do(delRootMessage(c.seq, ifc.Index))
			// No qdisc of ours to remove: the interface has its default.
			if err != nil && !errors.Is(err, syscall.ENOENT) && !errors.Is(err, syscall.EINVAL) {
				errs = append(errs, fmt.Errorf("unshape %s: %w", dev, err))
				continue
			}
			done = append(done, dev+": unshaped")
			continue
		}
		if err := c.do(tbfMessage(c.seq, ifc.Index, s.Rate)); err != nil {
			errs = append(errs, fmt.Errorf("shape %s at %s (tbf): %w", dev, formatRate(s.Rate), tbfHint(err)))
			continue
		}
		done = append(done, fmt.Sprintf("%s: at most %s, for every process (tbf)", dev, formatRate(s.Rate)))
	}
	return done, errors.Join(errs...)
}

// tbfHint says what the errors of a missing privilege or of a kernel
// without tbf mean.
func tbfHint(err error) error {
	switch {
	case errors.Is(err, syscall.EPERM), errors.Is(err, syscall.EACCES):
		return fmt.Errorf("%w: run with CAP_NET_ADMIN (--cap-add NET_ADMIN)", err)
	case errors.Is(err, syscall.ENOENT), errors.Is(err, syscall.EOPNOTSUPP):
		return fmt.Errorf("%w: this kernel has no tbf qdisc (CONFIG_NET_SCH_TBF)", err)
	}
	return err
}
