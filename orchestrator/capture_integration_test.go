package orchestrator_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/livetest"
	"github.com/topo-dev/topo/orchestrator"
)

// tsharkPath finds tshark, which reads the captures back; .ci/run installs
// Debian's package, so CI fails without it, elsewhere the test skips.
func tsharkPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v; install Debian's tshark", err)
		}
		t.Skipf("%v; install Debian's tshark to run this test", err)
	}
	return p
}

// tsharkFields reads a pcapng with tshark and returns one line per packet
// of the fields asked, separated by |.
func tsharkFields(t *testing.T, tshark string, in []byte, fields ...string) []string {
	t.Helper()
	args := []string{"-r", "-", "-T", "fields", "-E", "separator=|"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	cmd := exec.Command(tshark, args...)
	cmd.Stdin = bytes.NewReader(in)
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark %v: %v\n%s", args, err, errOut.String())
	}
	if s := strings.TrimSpace(string(out)); s != "" {
		return strings.Split(s, "\n")
	}
	return nil
}

// bbLoop is the busybox node's software: it opens a TCP connection to the
// hub's agent port and says hi, again and again. It finds the hub's
// address in /etc/hosts: the static busybox cannot look names up itself.
const bbLoop = `ip=$(/bin/busybox grep -w hub /etc/hosts | /bin/busybox head -n 1 | /bin/busybox cut -f 1); ` +
	`while :; do echo hi | /bin/busybox nc -w 1 $ip 7000; /bin/busybox sleep 0.3; done`

// TestIntegrationCapture captures a star whose agents talk UDP and whose
// busybox node, a user's own image, fetches from the hub over TCP: a
// capture of the hub (every interface), one of the busybox node's link
// with a filter and a count, one streamed into `tshark -r -` and ended by
// its context as Ctrl-C ends topo's, and one that `down` ends. tshark
// reads each back; no helper is left behind.
func TestIntegrationCapture(t *testing.T) {
	t.Parallel()
	tshark := tsharkPath(t)
	o := livetest.Engine(t)
	image := livetest.Busybox(t, o.Runtime())
	file := filepath.Join(t.TempDir(), "cap.yaml")
	yaml := fmt.Sprintf(`layout: star
nodes:
  - {name: hub}
  - {name: spoke1}
  - {name: bb, image: %q, command: [/bin/busybox, sh, -c, %q]}
traffic: {protocol: udp, interval: 300ms}
`, image, bbLoop)
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	// Not up(): the last subtest takes the topology down itself.
	name := livetest.Name(t, "capture")
	t.Cleanup(func() {
		_, _ = o.Down(context.Background(), name, orchestrator.DownOptions{})
		if left := livetest.Leftovers(t, o, name); len(left) > 0 {
			t.Errorf("down %s left %v", name, left)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := o.Up(ctx, load(t, file), orchestrator.UpOptions{Name: name}); err != nil {
		t.Fatal(err)
	}
	plan, err := o.AppliedPlan(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	addr := func(node, peer string) string {
		n, _ := plan.Node(node)
		for _, nb := range n.Neighbors {
			if nb.Name == peer {
				return n.Addresses[nb.Segment].String()
			}
		}
		t.Fatalf("%s has no neighbour %s", node, peer)
		return ""
	}
	hubToSpoke, spoke, hubToBB, bb := addr("hub", "spoke1"), addr("spoke1", "hub"), addr("hub", "bb"), addr("bb", "hub")

	t.Run("node to a file", func(t *testing.T) {
		var out bytes.Buffer
		sent := make(chan struct{})
		go func() { // agents' messages while the capture runs, beside the background traffic
			defer close(sent)
			for range 5 {
				if _, err := o.Send(ctx, name, orchestrator.SendOptions{From: "hub", To: "spoke1", Text: "captured"}); err != nil {
					t.Errorf("send: %v", err)
				}
			}
		}()
		sum, err := o.Capture(ctx, name, orchestrator.CaptureOptions{Target: []string{"hub"}, Duration: 3 * time.Second}, &out, nil)
		<-sent
		if err != nil {
			t.Fatal(err)
		}
		checkCaptured(t, tshark, out.Bytes(), sum, map[string]bool{
			"udp " + hubToSpoke + " " + spoke: true, "udp " + spoke + " " + hubToSpoke: true,
			"tcp " + bb + " " + hubToBB: true, "tcp " + hubToBB + " " + bb: true,
		})
		ifs := tsharkFields(t, tshark, out.Bytes(), "frame.interface_name")
		names := map[string]bool{}
		for _, n := range ifs {
			names[n] = true
		}
		if len(sum.Interfaces) != 2 || len(names) != 2 {
			t.Errorf("the hub's capture: interfaces %+v, tshark saw %v; want its two links", sum.Interfaces, names)
		}
	})

	t.Run("a user's node with a filter and a count", func(t *testing.T) {
		var out bytes.Buffer
		sum, err := o.Capture(ctx, name, orchestrator.CaptureOptions{Target: []string{"bb", "hub"}, Filter: "tcp dst port 7000", Count: 3}, &out, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := tsharkFields(t, tshark, out.Bytes(), "ip.src", "ip.dst", "tcp.dstport")
		want := bb + "|" + hubToBB + "|7000"
		if sum.Packets != 3 || len(got) != 3 {
			t.Fatalf("count 3: summary says %d packets, tshark read %d: %v", sum.Packets, len(got), got)
		}
		for _, g := range got {
			if g != want {
				t.Errorf("tcp dst port 7000 on bb: a packet %q, want %q", g, want)
			}
		}
	})

	t.Run("to stdout into tshark, stopped like Ctrl-C", func(t *testing.T) {
		cmd := exec.Command(tshark, "-r", "-", "-T", "fields", "-e", "frame.number") // every packet, ARP too
		in, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		var read bytes.Buffer
		cmd.Stdout = &read
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Stopped once tshark has had bytes: the helper runs and writes.
		cctx, stop := context.WithCancel(ctx)
		defer stop()
		w := &firstWrite{w: in, first: stop, after: 5}
		sum, err := o.Capture(cctx, name, orchestrator.CaptureOptions{Target: []string{"hub", "spoke1"}}, w, nil)
		in.Close()
		if werr := cmd.Wait(); werr != nil {
			t.Fatalf("tshark -r - read a capture ended by its context: %v", werr)
		}
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Fields(read.String())
		if sum.Packets == 0 || len(lines) != sum.Packets {
			t.Errorf("summary says %d packets, tshark read %d", sum.Packets, len(lines))
		}
	})

	t.Run("down removes a running capture", func(t *testing.T) {
		started := make(chan struct{})
		var once sync.Once
		w := &firstWrite{w: &bytes.Buffer{}, first: func() { once.Do(func() { close(started) }) }, after: 1}
		done := make(chan error, 1)
		go func() {
			_, err := o.Capture(ctx, name, orchestrator.CaptureOptions{Target: []string{"spoke1"}}, w, nil)
			done <- err
		}()
		select {
		case <-started:
		case err := <-done:
			t.Fatalf("the capture ended before it wrote: %v", err)
		}
		if _, err := o.Down(ctx, name, orchestrator.DownOptions{}); err != nil {
			t.Fatal(err)
		}
		// Looked at before the capture itself ends and removes its helper.
		hs, err := o.Runtime().ListContainers(ctx, map[string]string{engine.LabelHelper: name})
		if err != nil {
			t.Fatal(err)
		}
		if len(hs) != 0 {
			t.Errorf("after down, helpers are left: %v", hs)
		}
		<-done // it ends, with its helper gone
	})
}

// checkCaptured checks that tshark reads as many packets as the summary
// says, and that every "proto src dst" in want is among them.
func checkCaptured(t *testing.T, tshark string, pcap []byte, sum *agent.CaptureSummary, want map[string]bool) {
	t.Helper()
	got := tsharkFields(t, tshark, pcap, "ip.proto", "ip.src", "ip.dst")
	if len(got) != sum.Packets {
		t.Errorf("summary says %d packets, tshark read %d", sum.Packets, len(got))
	}
	seen := map[string]bool{}
	for _, g := range got {
		f := strings.Split(g, "|")
		proto := map[string]string{"6": "tcp", "17": "udp"}[f[0]]
		if proto != "" {
			seen[proto+" "+f[1]+" "+f[2]] = true
		}
	}
	for w := range want {
		if !seen[w] {
			t.Errorf("no %s packet in the capture; it holds %v", w, seen)
		}
	}
}

// firstWrite passes writes on to w and calls first once after `after`
// writes.
type firstWrite struct {
	w      interface{ Write([]byte) (int, error) }
	first  func()
	after  int
	mu     sync.Mutex
	writes int
}

func (f *firstWrite) Write(p []byte) (int, error) {
	f.mu.Lock()
	f.writes++
	if f.writes == f.after {
		f.first()
	}
	f.mu.Unlock()
	return f.w.Write(p)
}
