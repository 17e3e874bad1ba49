package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"syscall"
	"time"

	"github.com/topo-dev/topo/node/internal/frame"
)

// DefaultDialTimeout is how long topo-node dial waits by default.
const DefaultDialTimeout = 2 * time.Second

// cliDial tests whether HOST:PORT can be reached from here. Over TCP it
// succeeds when a connection is established. Over UDP, which has no
// handshake, it succeeds when a datagram was sent and no ICMP error came
// back within the timeout: a silent drop looks like success, so --udp can
// show that a port is closed or unreachable, never that it is open.
func cliDial(ctx context.Context, args []string, _ Env, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dial", flag.ContinueOnError)
	timeout := fs.Duration("timeout", DefaultDialTimeout, "give up after `D`")
	udp := fs.Bool("udp", false, "send a datagram instead of connecting over TCP")
	pos, err := parse(fs, args, stderr)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{errors.New("want one HOST:PORT")}
	}
	addr := pos[0]
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return usageError{err}
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 || host == "" {
		return usageError{fmt.Errorf("address %q: want HOST:PORT with a port in 1..65535", addr)}
	}
	if *timeout <= 0 {
		return usageError{fmt.Errorf("timeout %v: want more than 0", *timeout)}
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	start := time.Now()
	network := "tcp"
	if *udp {
		network = "udp"
		err = dialUDP(ctx, addr)
	} else {
		err = dialTCP(ctx, addr)
	}
	if err != nil {
		return fmt.Errorf("%s %s: %s (%v)", network, addr, dialReason(err), err)
	}
	verb := "connected"
	if *udp {
		verb = "sent, no error"
	}
	fmt.Fprintf(stdout, "%s %s: %s after %v\n", network, addr, verb, time.Since(start).Round(time.Microsecond))
	return nil
}

func dialTCP(ctx context.Context, addr string) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	return c.Close()
}

// dialUDP sends one hello and waits out the timeout for an ICMP error,
// which a connected UDP socket reports on the next read.
func dialUDP(ctx context.Context, addr string) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "udp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	b, err := frame.Encode(&frame.Frame{Type: frame.Hello, Source: frame.DialProbe, Destination: frame.Broadcast,
		NextHop: frame.Broadcast, Path: []string{frame.DialProbe}})
	if err != nil {
		return err
	}
	if _, err := c.Write(b); err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetReadDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = c.SetReadDeadline(time.Now()) })
	defer stop()
	_, err = c.Read(make([]byte, 1))
	var ne net.Error
	if err == nil || (errors.As(err, &ne) && ne.Timeout()) {
		return nil // an answer, or silence: nothing said no
	}
	return err
}

// dialReason names why a dial failed in one word.
func dialReason(err error) string {
	var ne net.Error
	var dns *net.DNSError
	switch {
	case errors.As(err, &dns) && !dns.IsTimeout:
		return "unresolved"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "unreachable"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "interrupted"
	default:
		return "failed"
	}
}
