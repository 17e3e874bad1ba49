//go:build linux

package netns

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// childEnv marks the test binary run again inside a fresh network
// namespace, where it may change routes without touching the host's.
const childEnv = "TOPO_NETNS_TEST_CHILD"

// inFreshNetns runs the test named name again under "unshare -n" and
// reports true in that child; in the parent it waits for the child,
// passes its failure on and reports false. It skips when it cannot: not
// root, no unshare, or no permission to make a namespace.
func inFreshNetns(t *testing.T, name string) bool {
	t.Helper()
	if os.Getenv(childEnv) == name {
		return true
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to make a network namespace")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("no unshare command")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("no ip command to make interfaces with")
	}
	cmd := exec.Command(unshare, "-n", "--", os.Args[0], "-test.run=^"+name+"$", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"="+name)
	out, err := cmd.CombinedOutput()
	if strings.Contains(string(out), "unshare failed") || strings.Contains(string(out), "unshare:") {
		t.Skipf("cannot make a network namespace: %s", out)
	}
	if strings.Contains(string(out), "--- SKIP: "+name) {
		t.Skipf("in a fresh network namespace:\n%s", out)
	}
	if err != nil || !strings.Contains(string(out), "--- PASS: "+name) {
		t.Fatalf("in a fresh network namespace: %v\n%s", err, out)
	}
	t.Logf("in a fresh network namespace:\n%s", out)
	return false
}

// veth makes a pair of interfaces, v0 with 10.99.0.1/24, both up.
func veth(t *testing.T) {
	t.Helper()
	for _, args := range [][]string{
		{"link", "add", "v0", "type", "veth", "peer", "name", "v1"},
		{"addr", "add", "10.99.0.1/24", "dev", "v0"},
		{"link", "set", "v0", "up"},
		{"link", "set", "v1", "up"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Skipf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
}

func readSysctl(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("/proc/sys/net/ipv4/conf", path))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func TestInNamespaceRoutes(t *testing.T) {
	if !inFreshNetns(t, "TestInNamespaceRoutes") {
		return
	}
	veth(t)
	c, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r, _ := ParseRoute("10.98.0.0/24=10.99.0.2")
	if err := c.ReplaceRoute(r); err != nil {
		t.Fatal(err)
	}
	r.Via = r.Via.Next() // replaces, does not add a second route
	if err := c.ReplaceRoute(r); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ip", "route", "show", "10.98.0.0/24").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "10.98.0.0/24 via 10.99.0.3 dev v0 proto static" {
		t.Errorf("ip route show 10.98.0.0/24: %v: %q", err, out)
	}

	bad, _ := ParseRoute("10.97.0.0/24=10.96.0.1") // no interface on 10.96.0.0/x
	err = c.ReplaceRoute(bad)
	if !errors.Is(err, syscall.ENETUNREACH) || !strings.HasPrefix(err.Error(), "route 10.97.0.0/24 via 10.96.0.1: network is unreachable") {
		t.Errorf("route via an unconnected gateway: %v", err)
	}
}

func TestInNamespaceRPFilter(t *testing.T) {
	if !inFreshNetns(t, "TestInNamespaceRPFilter") {
		return
	}
	veth(t)
	c, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	v0, err := netIndex("v0")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetRPFilter(v0, 1); err != nil {
		t.Fatalf("rp_filter 1 on v0: %v", err)
	}
	if got := readSysctl(t, "v0/rp_filter"); got != "1" {
		t.Fatalf("v0 rp_filter = %s after setting it to 1", got)
	}
	names, err := c.DisableRPFilter()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"v0", "v1"}) {
		t.Errorf("DisableRPFilter turned off %v; want v0 and v1, not lo", names)
	}
	for _, ifc := range []string{"v0", "v1"} {
		if got := readSysctl(t, ifc+"/rp_filter"); got != "0" {
			t.Errorf("%s rp_filter = %s", ifc, got)
		}
		if got := readSysctl(t, ifc+"/send_redirects"); got != "0" {
			t.Errorf("%s send_redirects = %s", ifc, got)
		}
	}
	if _, err := AllRPFilter(); err != nil {
		t.Error(err)
	}
}

func netIndex(name string) (int, error) {
	ifc, err := net.InterfaceByName(name)
	if err != nil {
		return 0, err
	}
	return ifc.Index, nil
}
