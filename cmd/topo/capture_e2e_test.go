package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/livetest"
)

// TestIntegrationCaptureCLI runs the built binary's capture as a user
// does: piped into `tshark -r -`, and to a file ended by Ctrl-C, which
// leaves a whole file, says how many packets it wrote, exits 0 and leaves
// no helper behind.
func TestIntegrationCaptureCLI(t *testing.T) {
	livetest.Require(t)
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v; install Debian's tshark", err)
		}
		t.Skip("tshark is not installed")
	}
	name := livetest.Name(t, "capcli")
	file := filepath.Join(t.TempDir(), "pair.yaml")
	yaml := "layout: p2p\nnodes: [a, b]\ntraffic: {protocol: udp, interval: 200ms}\n"
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { topo(t, nil, "down", name) })
	topo(t, nil, "up", "--name", name, file).must(t, 0)
	bin := topoBinary(t)

	// Live into tshark.
	line := fmt.Sprintf("'%s' capture -t %s a b --filter udp --count 4 -w - | '%s' -r - -T fields -e udp.dstport", bin, name, tshark)
	r := runCmd(t, exec.Command("sh", "-c", line)).must(t, 0)
	if got := strings.Fields(r.stdout); len(got) != 4 || got[0] != "7000" {
		t.Errorf("capture | tshark -r - read %q, want 4 packets to port 7000", r.stdout)
	}
	if !strings.Contains(r.stderr, "4 packets written to standard output, 0 dropped by the kernel") {
		t.Errorf("capture's summary: %q", r.stderr)
	}

	// A reader that goes away ends the capture and its helper.
	line = fmt.Sprintf("'%s' capture -t %s a b -w - | head -c 200 >/dev/null; echo ${PIPESTATUS[0]}", bin, name)
	r = runCmd(t, exec.Command("bash", "-c", line)).must(t, 0)
	if strings.TrimSpace(r.stdout) != "0" || !strings.Contains(r.stderr, "capture stopped: the reader of standard output closed it") {
		t.Errorf("capture | head -c 200: topo exited %s, said %q; want 0 and why it stopped", strings.TrimSpace(r.stdout), r.stderr)
	}
	noHelpers(t, name)

	// To a file, until Ctrl-C.
	pcap := filepath.Join(t.TempDir(), "a.pcapng")
	cmd := exec.Command(bin, "capture", "-t", name, "a", "-w", pcap)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for ctx.Err() == nil { // until the helper has written a packet or two
		if st, err := os.Stat(pcap); err == nil && st.Size() > 400 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = cmd.Process.Signal(os.Interrupt)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("capture ended by Ctrl-C: %v\n%s", err, stderr.String())
	}
	m := regexp.MustCompile(`(\d+) packets written to .*a\.pcapng, (\d+) dropped by the kernel \(eth\d+ 10\.`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("capture ended by Ctrl-C said %q; want how many packets it wrote and the kernel dropped", stderr.String())
	}
	out, err := exec.Command(tshark, "-r", pcap, "-T", "fields", "-e", "frame.number").Output()
	if err != nil {
		t.Fatalf("tshark -r on a capture ended by Ctrl-C: %v", err)
	}
	if n, _ := strconv.Atoi(m[1]); n == 0 || len(strings.Fields(string(out))) != n {
		t.Errorf("capture says %s packets, tshark read %d", m[1], len(strings.Fields(string(out))))
	}
	noHelpers(t, name)
}

// noHelpers fails t when a helper of the topology name is left.
func noHelpers(t *testing.T, name string) {
	t.Helper()
	hs, err := livetest.Runtime(t).ListContainers(context.Background(), map[string]string{engine.LabelHelper: name})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hs {
		t.Errorf("a capture left its helper %s (%s)", h.Name, h.State)
	}
}
