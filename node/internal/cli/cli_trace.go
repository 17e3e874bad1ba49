package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/trace"
)

// cliTrace traces the IP path to ADDR, an IPv4 address or a name, and
// prints it as an agent.TraceResult in JSON, even when the destination was
// not reached, so that a script always has the hops found. It exits 0 when
// the destination answered, 1 when not. It needs no privilege: it is what
// a node runs to show which way its own traffic goes.
func cliTrace(ctx context.Context, args []string, _ Env, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet(agent.VerbTrace, flag.ContinueOnError)
	maxHops := fs.Int("max-hops", trace.DefaultMaxHops, "give up after `N` hops (1 to 255)")
	perHop := fs.Duration("timeout", trace.DefaultPerHop, "wait `D` for each hop to answer")
	pos, err := parse(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{errors.New("want one ADDR")}
	}
	if *maxHops < 1 || *maxHops > 255 {
		return usageError{fmt.Errorf("max-hops %d: want 1 to 255", *maxHops)}
	}
	if *perHop <= 0 {
		return usageError{fmt.Errorf("timeout %v: want more than 0", *perHop)}
	}
	to, err := resolve4(ctx, pos[0])
	if err != nil {
		return err
	}
	res, err := trace.Run(ctx, to, trace.Options{MaxHops: *maxHops, PerHop: *perHop})
	if perr := printJSON(stdout, res); perr != nil {
		return perr
	}
	switch {
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%s: interrupted", to)
	case err != nil:
		return err
	case !res.Reached && res.Stop != nil:
		return fmt.Errorf("%s not reached: stops at %s: %s", to, res.Stop.Addr, res.Stop.Why)
	case !res.Reached:
		return fmt.Errorf("%s not reached in %d hops", to, len(res.Hops))
	}
	return nil
}

// resolve4 reads addr as an IPv4 address, or else looks it up as a name,
// as a node's own software would (a node's name resolves through Docker's
// DNS on its segments).
func resolve4(ctx context.Context, addr string) (netip.Addr, error) {
	if a, err := netip.ParseAddr(addr); err == nil {
		if a = a.Unmap(); !a.Is4() {
			return netip.Addr{}, usageError{fmt.Errorf("address %s: want IPv4", a)}
		}
		return a, nil
	}
	ctx, cancel := context.WithTimeout(ctx, DefaultDialTimeout)
	defer cancel()
	as, err := net.DefaultResolver.LookupNetIP(ctx, "ip4", addr)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("resolve %s: %w", addr, err)
	}
	return as[0].Unmap(), nil
}
