package node_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/node"
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

// TestCLIDialAgent checks that probing a running agent over UDP leaves its
// counters alone.
func TestCLIDialAgent(t *testing.T) {
	c := startSpec(t, p2pSpec("udp", 2))
	c.waitReady()
	addr := net.JoinHostPort(c.cfgs["p1"].Segments[0].Addr, "7000")
	if code, _, stderr := runCLI(t, nil, "dial", "--udp", "--timeout", "100ms", addr); code != 0 {
		t.Fatalf("dial --udp %s: exit %d, %s", addr, code, stderr)
	}
	if code, _, stderr := runCLI(t, nil, "dial", addr); code != 0 {
		t.Fatalf("dial %s: exit %d, %s", addr, code, stderr)
	}
	if st := c.agent("p1").Stats().Counters; st.Dropped != 0 || st.Ignored != 0 {
		t.Errorf("a probe changed the counters: %+v", st)
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
		if code, _, _ := runCLI(t, nil, args...); code != node.ExitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, node.ExitUsage)
		}
	}
}

func TestCLIIdle(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := &logBuf{}
	done := make(chan int, 1)
	go func() { done <- node.Main(ctx, []string{"idle"}, func(string) string { return "" }, out, out) }()
	eventually(t, 5*time.Second, "the idle line", func() bool { return len(out.events("idle")) == 1 })
	line := out.String()
	if strings.Count(line, "\n") != 1 || !strings.Contains(line, "idle") {
		t.Errorf("idle printed %q, want one line", line)
	}
	select {
	case code := <-done:
		t.Fatalf("idle returned %d before it was stopped", code)
	case <-time.After(50 * time.Millisecond):
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("idle exited %d after a stop, want 0", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("idle did not stop")
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
