//go:build !linux

package netns

import (
	"errors"
	"fmt"
	"net/netip"
	"runtime"
)

var errUnsupported = fmt.Errorf("netns: rtnetlink is Linux only, not %s: %w", runtime.GOOS, errors.ErrUnsupported)

// Conn is an rtnetlink socket; on this platform there is none.
type Conn struct{}

// Open fails: rtnetlink is Linux only.
func Open() (*Conn, error) { return nil, errUnsupported }

// Close does nothing.
func (c *Conn) Close() error { return nil }

// ReplaceRoute fails: rtnetlink is Linux only.
func (c *Conn) ReplaceRoute(Route) error { return errUnsupported }

// SetRPFilter fails: rtnetlink is Linux only.
func (c *Conn) SetRPFilter(int, uint32) error { return errUnsupported }

// DisableRPFilter fails: rtnetlink is Linux only.
func (c *Conn) DisableRPFilter() ([]string, error) { return nil, errUnsupported }

// AllRPFilter fails: there is no /proc/sys here.
func AllRPFilter() (int, error) { return 0, errUnsupported }

// ReplaceFilter fails: nf_tables is Linux only.
func ReplaceFilter([]Chain) error { return errUnsupported }

// ReplaceShaping needs Linux.
func ReplaceShaping([]Shape, map[netip.Addr]string) ([]string, error) { return nil, errUnsupported }
