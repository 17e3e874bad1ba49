package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"syscall"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/internal/netns"
)

// cliNetns acts on the network namespace it runs in, from a helper
// container that joined a node's namespace with NET_ADMIN, never in the
// node itself. It has two subcommands: routes (cliNetnsRoutes) and filter
// (cliNetnsFilter).
func cliNetns(_ context.Context, args []string, _ Env, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet(agent.VerbNetns, flag.ContinueOnError)
	pos, err := parse(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		switch pos[0] {
		case "routes":
			return cliNetnsRoutes(pos[1:], stdout, stderr)
		case "filter":
			return cliNetnsFilter(pos[1:], stdout, stderr)
		}
	}
	return usageError{errors.New(`want the subcommand "routes" then TO=VIA pairs, or "filter" then LOCAL,MAC,PERCENT and shape:LOCAL,RATE rules`)}
}

// cliNetnsRoutes installs the routes TO=VIA given (replacing any to the
// same subnets) and turns reverse-path filtering off on every interface
// but the loopback (agent.NetnsCommand). It tries every route, so that one
// failure names every route that failed.
func cliNetnsRoutes(args []string, stdout, stderr io.Writer) error {
	routes, err := netns.ParseRoutes(args)
	if err != nil {
		return usageError{err}
	}
	c, err := netns.Open()
	if err != nil {
		return err
	}
	defer c.Close()
	var errs []error
	installed := 0
	for _, r := range routes {
		if err := c.ReplaceRoute(r); err != nil {
			errs = append(errs, err)
			continue
		}
		installed++
		fmt.Fprintf(stdout, "route %s\n", r)
	}
	names, err := c.DisableRPFilter()
	if err != nil {
		errs = append(errs, rpFilterHint(err))
	}
	if len(names) > 0 {
		fmt.Fprintf(stdout, "rp_filter off: %s\n", strings.Join(names, " "))
	}
	if all, err := netns.AllRPFilter(); err == nil && all != 0 {
		fmt.Fprintf(stderr, "topo-node netns: warning: net.ipv4.conf.all.rp_filter is %d, which overrides the interfaces' 0; "+
			"create the node container with --sysctl net.ipv4.conf.all.rp_filter=0\n", all)
	}
	fmt.Fprintf(stdout, "%d of %d routes installed, rp_filter off on %d interfaces\n", installed, len(routes), len(names))
	return printNetnsErrs(stderr, errs)
}

// cliNetnsFilter makes the rules LOCAL,MAC,PERCENT given the namespace's
// whole fault filter (agent.FilterCommand), in one nftables transaction,
// and the rules shape:LOCAL,RATE the shaping of their interfaces:
// it replaces what an earlier call installed, and with no rules removes
// it. Rules whose address no interface holds fail before anything
// changes, all of them named at once; a rule the kernel refuses leaves the
// earlier filter in place.
func cliNetnsFilter(args []string, stdout, stderr io.Writer) error {
	shapes, args, err := netns.ParseShapes(args)
	if err != nil {
		return usageError{err}
	}
	filters, err := netns.ParseFilters(args)
	if err != nil {
		return usageError{err}
	}
	byAddr, err := netns.InterfaceAddrs()
	if err != nil {
		return err
	}
	chains, err := netns.Group(filters, byAddr)
	if err != nil {
		return printNetnsErrs(stderr, append(unjoinErrs(err), errNothingChanged))
	}
	if err := netns.ReplaceFilter(chains); err != nil {
		return printNetnsErrs(stderr, []error{err, errNothingChanged})
	}
	for _, c := range chains {
		for _, f := range c.Filters {
			fmt.Fprintf(stdout, "filter on %s: %s\n", c.Dev, f)
		}
	}
	// Shaping is per interface, after the filter: a refusal leaves the
	// filter installed, and says which interface it is.
	done, err := netns.ReplaceShaping(shapes, byAddr)
	for _, d := range done {
		fmt.Fprintf(stdout, "shaping of %s\n", d)
	}
	if err != nil {
		return printNetnsErrs(stderr, unjoinErrs(err))
	}
	if len(chains) == 0 {
		fmt.Fprintf(stdout, "no filter rules: table netdev %s removed\n", netns.FilterTable)
		return nil
	}
	fmt.Fprintf(stdout, "%s installed on %s (table netdev %s)\n",
		nsCount(len(filters), "filter rule"), nsCount(len(chains), "interface"), netns.FilterTable)
	return nil
}

// nsCount is "1 thing" or "n things".
func nsCount(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// printNetnsErrs prints each error on a line of its own, and says whether
// there was any.
func printNetnsErrs(stderr io.Writer, errs []error) error {
	for _, err := range errs {
		fmt.Fprintf(stderr, "topo-node %s: %v\n", agent.VerbNetns, err)
	}
	if len(errs) > 0 {
		return errSilent
	}
	return nil
}

// unjoinErrs splits an errors.Join into its errors.
func unjoinErrs(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// rpFilterHint says what a refusal to set rp_filter means.
func rpFilterHint(err error) error {
	switch {
	case errors.Is(err, syscall.EOPNOTSUPP), errors.Is(err, syscall.EAFNOSUPPORT), errors.Is(err, syscall.EINVAL):
		return fmt.Errorf("%w: this kernel does not take IFLA_INET_CONF over rtnetlink; "+
			"create the node container with --sysctl net.ipv4.conf.all.rp_filter=0 instead", err)
	case errors.Is(err, syscall.EPERM), errors.Is(err, syscall.EACCES):
		return fmt.Errorf("%w: run with CAP_NET_ADMIN (--cap-add NET_ADMIN)", err)
	}
	return err
}

// errNothingChanged ends a failed filter's errors: the kernel applied none
// of it.
var errNothingChanged = errors.New("nothing changed: the filter installed before, if any, stays")
