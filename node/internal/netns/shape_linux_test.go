//go:build linux

package netns

import (
	"os/exec"
	"strings"
	"testing"
)

// qdisc is what tc says of v0's root qdisc ("" without tc).
func qdisc(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("tc", "qdisc", "show", "dev", "v0", "root").CombinedOutput()
	if err != nil {
		t.Logf("tc: %v: %s", err, out)
		return ""
	}
	return strings.TrimSpace(string(out))
}

// TestInNamespaceShaping: a shape rule makes a tbf of its rate the root
// qdisc of the interface that holds its address, for every process; a
// second replaces it; rate 0 removes it, and again is no error.
func TestInNamespaceShaping(t *testing.T) {
	if !inFreshNetns(t, "TestInNamespaceShaping") {
		return
	}
	veth(t)
	byAddr, err := InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	shape := func(args ...string) []string {
		t.Helper()
		shapes, rest, err := ParseShapes(args)
		if err != nil || len(rest) != 0 {
			t.Fatalf("ParseShapes(%q): %v, %v", args, rest, err)
		}
		done, err := ReplaceShaping(shapes, byAddr)
		if err != nil {
			t.Fatal(err)
		}
		return done
	}
	if done := shape("shape:10.99.0.1,1000000"); len(done) != 1 || done[0] != "v0: at most 1mbit, for every process (tbf)" {
		t.Errorf("shaped: %q", done)
	}
	t.Logf("tc: %s", qdisc(t))
	if q := qdisc(t); q != "" && (!strings.Contains(q, "qdisc tbf 1: root") || !strings.Contains(q, "rate 1Mbit")) {
		t.Errorf("after shaping at 1mbit: %s", q)
	}
	shape("shape:10.99.0.1,8000")
	if q := qdisc(t); q != "" && !strings.Contains(q, "rate 8Kbit") {
		t.Errorf("after shaping again at 8kbit: %s", q)
	}
	shape("shape:10.99.0.1,2000000000000")
	if q := qdisc(t); q != "" && !strings.Contains(q, "rate 2Tbit") {
		t.Errorf("after shaping at 2000gbit (above 32 bits of bytes per second): %s", q)
	}
	for range 2 {
		if done := shape("shape:10.99.0.1,0"); len(done) != 1 || done[0] != "v0: unshaped" {
			t.Errorf("unshaped: %q", done)
		}
		if q := qdisc(t); strings.Contains(q, "tbf") {
			t.Errorf("after rate 0: %s", q)
		}
	}
	if _, err := ReplaceShaping([]Shape{{Rule: shapeRule("10.99.0.7", 8000), Local: mustAddr("10.99.0.7"), Rate: 8000}}, byAddr); err == nil ||
		!strings.Contains(err.Error(), "no interface has the address 10.99.0.7") {
		t.Errorf("an address no interface holds: %v", err)
	}
}
