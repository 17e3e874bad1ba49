package cli_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/node/internal/cli"
)

func TestCLIDialTCP(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	open := l.Addr().String()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	closed := closedTCPAddr(t)
	t.Cleanup(func() { _ = l.Close() })

	// No config in the environment: dial needs none.
	code, out, stderr := runCLI(t, nil, "dial", open)
	if code != 0 || !strings.Contains(out, "connected") || stderr != "" {
		t.Errorf("dial %s: exit %d, %q, %q", open, code, out, stderr)
	}
	code, _, stderr = runCLI(t, nil, "dial", "--timeout", "1s", closed)
	if code != 1 || !strings.Contains(stderr, "refused") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("dial %s: exit %d, %q; want 1 and one line saying refused", closed, code, stderr)
	}
}

func TestCLIDialUDP(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	open := pc.LocalAddr().String()
	code, out, stderr := runCLI(t, nil, "dial", "--udp", "--timeout", "100ms", open)
	if code != 0 || !strings.Contains(out, "sent") {
		t.Errorf("dial --udp %s: exit %d, %q, %q", open, code, out, stderr)
	}
	buf := make([]byte, 1024)
	_ = pc.SetReadDeadline(time.Now().Add(time.Second))
	if n, _, err := pc.ReadFrom(buf); err != nil || n == 0 {
		t.Errorf("no datagram arrived: %d, %v", n, err)
	}

	// A closed UDP port on loopback answers with an ICMP port unreachable.
	_ = pc.Close()
	code, _, stderr = runCLI(t, nil, "dial", "--udp", "--timeout", "1s", open)
	if code != 1 || !strings.Contains(stderr, "refused") {
		t.Errorf("dial --udp to a closed port: exit %d, %q", code, stderr)
	}
}

func TestCLIDialUsage(t *testing.T) {
	for _, args := range [][]string{
		{"dial"},
		{"dial", "a:1", "b:2"},
		{"dial", "no-port"},
		{"dial", "host:http"},
		{"dial", "host:0"},
		{"dial", ":7000"},
		{"dial", "--timeout", "0s", "host:1"},
		{"dial", "--timeout", "soon", "host:1"},
		{"dial", "--frobnicate", "host:1"},
		{"idle", "extra"},
	} {
		if code, _, _ := runCLI(t, nil, args...); code != cli.ExitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, cli.ExitUsage)
		}
	}
}

// closedTCPAddr is a loopback address nothing listens on.
func closedTCPAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}
