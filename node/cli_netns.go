package node

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"syscall"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/node/netns"
)

// cliNetns acts on the network namespace it runs in. Its one subcommand,
// routes, installs the routes TO=VIA given (replacing any to the same
// subnets) and turns reverse-path filtering off on every interface but the
// loopback. It runs in a helper container that joined a node's namespace
// with NET_ADMIN (agent.NetnsCommand), never in the node itself. It tries
// every route, so that one failure names every route that failed.
func cliNetns(_ context.Context, args []string, _ Env, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet(agent.VerbNetns, flag.ContinueOnError)
	pos, err := parse(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) == 0 || pos[0] != "routes" {
		return usageError{errors.New(`want the subcommand "routes", then TO=VIA ...`)}
	}
	routes, err := netns.ParseRoutes(pos[1:])
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
	for _, err := range errs {
		fmt.Fprintf(stderr, "topo-node %s: %v\n", agent.VerbNetns, err)
	}
	if len(errs) > 0 {
		return errSilent
	}
	return nil
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
