package cli_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/topo-dev/topo/agent"
)

func TestCLINetnsUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"netns"}, `want the subcommand "routes"`},
		{[]string{"netns", "rules"}, `want the subcommand "routes"`},
		{[]string{"netns", "routes", "10.1.0.0/24"}, "want TO=VIA"},
		{[]string{"netns", "routes", "10.1.0.1/24=10.0.0.1", "x=y"}, "did you mean 10.1.0.0/24"},
		{[]string{"netns", "--flag", "routes"}, "flag provided but not defined"},
		{[]string{"netns", "filters"}, `or "filter" then LOCAL,MAC,PERCENT`},
		{[]string{"netns", "filter", "10.0.0.1,02:42:0a:00:00:02"}, "want LOCAL,MAC,PERCENT"},
		{[]string{"netns", "filter", "10.0.0.1,02:42:0a:00:00:02,0"}, "want 0.0001 to 100"},
		{[]string{"netns", "filter", "eth0,02:42:0a:00:00:02,100"}, "local address"},
		{[]string{"netns", "filter", "10.0.0.1,02-42-0a-00-00-02,100"}, "colon-separated"},
		{[]string{"netns", "filter", "10.0.0.1,ff:ff:ff:ff:ff:ff,100"}, "group address"},
		{[]string{"netns", "filter", "10.0.0.1,02:42:0a:00:00:02,100", "10.0.0.1,02:42:0a:00:00:02,50"}, "one rule per pair"},
	} {
		code, out, stderr := runCLI(t, nil, c.args...)
		if code != 2 || out != "" || !strings.Contains(stderr, c.want) || !strings.Contains(stderr, "usage:") {
			t.Errorf("%q: exit %d, %q, %q; want 2 and %q", c.args, code, out, stderr, c.want)
		}
	}
}

// TestCLINetnsInNamespace runs netns routes for real, in a network
// namespace of its own with a veth pair, as root: the test binary runs
// itself again under "unshare -n".
func TestCLINetnsInNamespace(t *testing.T) {
	const child = "TOPO_NODE_NETNS_TEST_CHILD"
	if os.Getenv(child) == "" {
		out, skip := rerunUnshared(t, "TestCLINetnsInNamespace", child)
		if skip != "" {
			t.Skip(skip)
		}
		t.Logf("in a fresh network namespace:\n%s", out)
		return
	}
	for _, args := range [][]string{
		{"link", "add", "v0", "type", "veth", "peer", "name", "v1"},
		{"addr", "add", "10.99.0.1/24", "dev", "v0"},
		{"link", "set", "v0", "up"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Skipf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	cmd := agent.NetnsCommand([]agent.Route{{To: "10.98.0.0/24", Via: "10.99.0.2"}})
	code, out, stderr := runCLI(t, nil, cmd[1:]...)
	if code != 0 || !strings.Contains(out, "route 10.98.0.0/24 via 10.99.0.2\n") ||
		!strings.Contains(out, "1 of 1 routes installed, rp_filter off on 2 interfaces") {
		t.Errorf("%q: exit %d, %q, %q", cmd, code, out, stderr)
	}
	if b, err := os.ReadFile("/proc/sys/net/ipv4/conf/v0/rp_filter"); err != nil || string(b) != "0\n" {
		t.Errorf("v0 rp_filter: %q, %v", b, err)
	}
	code, out, stderr = runCLI(t, nil, "netns", "routes", "10.98.0.0/24=10.99.0.3", "10.97.0.0/24=10.96.0.1")
	if code != 1 || !strings.Contains(out, "1 of 2 routes installed") ||
		!strings.HasPrefix(stderr, "topo-node netns: route 10.97.0.0/24 via 10.96.0.1: network is unreachable") ||
		strings.Count(stderr, "\n") != 1 {
		t.Errorf("a route via an unconnected gateway: exit %d, %q, %q", code, out, stderr)
	}
}

// TestCLINetnsFilterInNamespace runs netns filter for real, as
// TestCLINetnsInNamespace runs routes.
func TestCLINetnsFilterInNamespace(t *testing.T) {
	const child = "TOPO_NODE_NETNS_FILTER_TEST_CHILD"
	if os.Getenv(child) == "" {
		out, skip := rerunUnshared(t, "TestCLINetnsFilterInNamespace", child)
		if skip != "" {
			t.Skip(skip)
		}
		t.Logf("in a fresh network namespace:\n%s", out)
		return
	}
	for _, args := range [][]string{
		{"link", "add", "v0", "type", "veth", "peer", "name", "v1"},
		{"addr", "add", "10.99.0.1/24", "dev", "v0"},
		{"link", "set", "v0", "up"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Skipf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	cmd := agent.FilterCommand([]agent.FilterRule{
		{Local: "10.99.0.1", PeerMAC: "02:42:0a:63:00:02", Percent: 100},
		{Local: "10.99.0.1", PeerMAC: "02:42:0A:63:00:03", Percent: 25},
	})
	code, out, stderr := runCLI(t, nil, cmd[1:]...)
	want := "filter on v0: drop 100% from 02:42:0a:63:00:02 to 10.99.0.1\n" +
		"filter on v0: drop 25% from 02:42:0a:63:00:03 to 10.99.0.1\n" +
		"2 filter rules installed on 1 interface (table netdev topo)\n"
	if code != 0 || out != want || stderr != "" {
		t.Errorf("%q: exit %d, %q, %q; want 0 and %q", cmd, code, out, stderr, want)
	}
	if _, err := exec.LookPath("nft"); err == nil {
		b, err := exec.Command("nft", "list", "table", "netdev", "topo").CombinedOutput()
		if err != nil || !strings.Contains(string(b), "ether saddr 02:42:0a:63:00:02 drop") ||
			!strings.Contains(string(b), "numgen random mod 100 < 25 ether saddr 02:42:0a:63:00:03 drop") {
			t.Errorf("nft list table netdev topo: %v\n%s", err, b)
		}
	}

	code, out, stderr = runCLI(t, nil, "netns", "filter", "10.99.0.1,02:42:0a:63:00:02,100", "10.98.0.1,02:42:0a:63:00:04,100")
	if code != 1 || out != "" ||
		stderr != "topo-node netns: filter rule \"10.98.0.1,02:42:0a:63:00:04,100\": no interface has the address 10.98.0.1\n"+
			"topo-node netns: nothing changed: the filter installed before, if any, stays\n" {
		t.Errorf("a rule for an address no interface has: exit %d, %q, %q", code, out, stderr)
	}

	for range 2 { // the second time, there is no table to remove
		code, out, stderr = runCLI(t, nil, agent.FilterCommand(nil)[1:]...)
		if code != 0 || out != "no filter rules: table netdev topo removed\n" || stderr != "" {
			t.Errorf("netns filter: exit %d, %q, %q", code, out, stderr)
		}
	}
	if _, err := exec.LookPath("nft"); err == nil {
		if b, err := exec.Command("nft", "list", "tables").CombinedOutput(); err != nil || strings.Contains(string(b), "topo") {
			t.Errorf("nft list tables after the filter is removed: %v\n%s", err, b)
		}
	}
}

// rerunUnshared runs the test name of this binary again in a network
// namespace of its own, with env set, and returns its output; it fails t
// when the test failed there, and returns why when it cannot run it.
func rerunUnshared(t *testing.T, name, env string) (string, string) {
	t.Helper()
	if os.Geteuid() != 0 {
		return "", "needs root to make a network namespace"
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		return "", "no unshare command"
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return "", "no ip command to make interfaces with"
	}
	cmd := exec.Command(unshare, "-n", "--", os.Args[0], "-test.run=^"+name+"$", "-test.v")
	cmd.Env = append(os.Environ(), env+"=1")
	b, err := cmd.CombinedOutput()
	out := string(b)
	switch {
	case strings.Contains(out, "unshare failed"):
		return out, "cannot make a network namespace: " + out
	case strings.Contains(out, "--- SKIP: "+name):
		return out, out
	case err != nil || !strings.Contains(out, "--- PASS: "+name):
		t.Fatalf("in a fresh network namespace: %v\n%s", err, out)
	}
	return out, ""
}
