package livetest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIntegrationSwarm3 forms the three-engine swarm, checks that its
// three nodes are ready, on hosts of their own, each worker labelled with
// its engine, and that a worker engine runs a task of the manager's
// service from an image loaded into it; then, once the test's cleanup has
// run, that nothing the harness made is left.
func TestIntegrationSwarm3(t *testing.T) {
	t.Run("form", func(t *testing.T) {
		c := Swarm3(t)
		out, err := dockerCmd("node", "ls", "--format", "{{.Hostname}} {{.Status}}")
		if err != nil {
			t.Fatal(err)
		}
		names := map[string]bool{}
		for _, l := range strings.Split(out, "\n") {
			name, status, _ := strings.Cut(l, " ")
			names[name] = status == "Ready"
		}
		for _, h := range c.Hosts {
			if !names[h.Name] {
				t.Errorf("host %s not a ready node of the swarm: %q", h.Name, out)
			}
		}
		for _, h := range c.Workers() {
			label, err := dockerCmd("node", "inspect", "--format", "{{index .Spec.Labels \""+EngineLabel+"\"}}", h.NodeID)
			if err != nil || label != h.Socket {
				t.Errorf("node %s labelled %q, %v; want %s", h.Name, label, err, h.Socket)
			}
		}
		tag := Busybox(t, Runtime(t))
		c.LoadImages(t, tag)
		w := c.Workers()[0]
		name := "topomh-check-" + strings.ReplaceAll(strings.ToLower(t.Name()), "/", "-")
		t.Cleanup(func() { _, _ = dockerCmd("service", "rm", name) })
		if _, err := dockerCmd("service", "create", "-q", "--detach", "--name", name, "--constraint", "node.hostname=="+w.Name,
			"--restart-condition", "none", tag, "/bin/busybox", "sleep", "300"); err != nil {
			t.Fatal(err)
		}
		waitWorkerTask(t, w, name)
	})
	if _, err := os.Stat(filepath.Join(os.TempDir(), clusterPrefix+"1")); err == nil {
		t.Errorf("the first worker's directory is left")
	}
	if out, _ := sh("ip", "-o", "link", "show"); strings.Contains(out, clusterPrefix) {
		t.Errorf("links left: %s", out)
	}
	if out, _ := sh("ip", "netns", "list"); strings.Contains(out, clusterPrefix) {
		t.Errorf("namespaces left: %s", out)
	}
	if out, _ := sh("iptables", "-S", "FORWARD"); strings.Contains(out, clusterBridge) {
		t.Errorf("firewall rule left: %s", out)
	}
	if state, _ := dockerCmd("info", "--format", "{{.Swarm.LocalNodeState}}"); !t.Failed() && state != "inactive" {
		t.Errorf("local engine left in swarm state %s", state)
	}
}
