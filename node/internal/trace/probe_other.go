//go:build !linux

package trace

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"time"
)

// probe fails: IP_RECVERR is Linux only.
func probe(context.Context, netip.Addr, int, time.Duration) (answer, error) {
	return answer{}, fmt.Errorf("trace needs IP_RECVERR, which is Linux only, not %s: %w", runtime.GOOS, errors.ErrUnsupported)
}
