package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"

	"github.com/topo-dev/topo/agent"
)

func tryTCP(ctx context.Context, t agent.ProbeTarget) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", t.Addr)
	if err != nil {
		return err
	}
	return c.Close()
}

// udpPayload is what a UDP probe sends: not an agent frame, so an agent
// that gets it counts no message.
var udpPayload = []byte("topo-probe\n")

// tryUDP sends a datagram on a connected socket and waits for an answer.
// UDP has no handshake and the kernel rate-limits the ICMP errors that
// would tell a closed port (one a second by default), so silence proves
// nothing either way: a target is reached only when it answers, as an
// echo or a DNS server does; a closed port or a cut way is not.
func tryUDP(ctx context.Context, t agent.ProbeTarget) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "udp", t.Addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.Write(udpPayload); err != nil {
		return err
	}
	deadline, _ := ctx.Deadline()
	_ = c.SetReadDeadline(deadline)
	buf := make([]byte, 64)
	if _, err := c.Read(buf); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return errNoAnswer
		}
		return err // ECONNREFUSED or EHOSTUNREACH from an ICMP error
	}
	return nil
}

// errNoAnswer is a UDP target that stayed silent.
var errNoAnswer = errors.New("no answer")

func tryHTTP(ctx context.Context, t agent.ProbeTarget) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+t.Addr+t.Path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "topo-probe")
	tr := &http.Transport{DisableKeepAlives: true, Proxy: nil}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	want := t.Status
	if want == 0 {
		want = http.StatusOK
	}
	if resp.StatusCode != want {
		return fmt.Errorf("status %d, want %d", resp.StatusCode, want)
	}
	if t.Body != "" && !strings.Contains(string(body), t.Body) {
		return fmt.Errorf("body without %q", t.Body)
	}
	return nil
}

// reason says in a word or two why a try failed.
func reason(ctx context.Context, err error) string {
	var errno syscall.Errno
	switch {
	case errors.Is(err, errNoAnswer):
		return errNoAnswer.Error()
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) || ctx.Err() != nil:
		return "timeout"
	case errors.As(err, &errno) && errno == syscall.ECONNREFUSED:
		return "refused"
	case errors.As(err, &errno) && (errno == syscall.EHOSTUNREACH || errno == syscall.ENETUNREACH):
		return "unreachable"
	}
	return err.Error()
}
