package livetest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startEngine starts the host's dockerd inside its network namespace, with
// a hostname of its own (the swarm node's name), and waits until it
// answers. nsenter --net joins only the network namespace: `ip netns exec`
// would remount /sys, and the engine would not find the cgroups.
func (h *Host) startEngine() error {
	for _, d := range []string{"data", "exec"} {
		if err := os.MkdirAll(filepath.Join(h.dir, d), 0o700); err != nil {
			return err
		}
	}
	conf := filepath.Join(h.dir, "daemon.json") // empty: the machine's /etc/docker/daemon.json is the local engine's
	if err := os.WriteFile(conf, []byte("{}\n"), 0o600); err != nil {
		return err
	}
	logf, err := os.Create(filepath.Join(h.dir, "dockerd.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	args := []string{"--net=/run/netns/" + h.Name, "unshare", "--uts", "sh", "-c", `hostname "$0" && exec dockerd "$@"`, h.Name,
		"--data-root", filepath.Join(h.dir, "data"), "--exec-root", filepath.Join(h.dir, "exec"),
		"-H", h.Socket, "--pidfile", filepath.Join(h.dir, "docker.pid"), "--config-file", conf,
		"--storage-driver", "vfs", "--iptables=false", "--bridge=none"}
	h.cmd = exec.Command("nsenter", args...)
	h.cmd.Stdout, h.cmd.Stderr = logf, logf
	if err := h.cmd.Start(); err != nil {
		return fmt.Errorf("start dockerd %s: %w", h.Name, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- h.cmd.Wait() }()
	for range 600 {
		select {
		case err := <-exited:
			h.cmd = nil
			return fmt.Errorf("dockerd %s exited: %v; see %s", h.Name, err, logf.Name())
		case <-time.After(100 * time.Millisecond):
		}
		if _, err := sh("docker", "-H", h.Socket, "version", "--format", "{{.Server.Version}}"); err == nil {
			go func() { <-exited }() // reaped when it stops
			return nil
		}
	}
	return fmt.Errorf("dockerd %s does not answer after a minute; see %s", h.Name, logf.Name())
}

// form inits the swarm on the local engine, on the bridge's address only,
// checks that each worker's namespace reaches it (ARP resolved, the port
// open), joins the workers and labels each with its engine's socket.
func (c *Cluster) form() error {
	mgr := c.Hosts[0].Addr
	if _, err := dockerCmd("swarm", "init", "--advertise-addr", mgr, "--listen-addr", mgr+":2377"); err != nil {
		return err
	}
	token, err := dockerCmd("swarm", "join-token", "-q", "worker")
	if err != nil {
		return err
	}
	for _, h := range c.Workers() {
		// bash's /dev/tcp: no tool the machine may lack, and a real
		// connection, which an ARP reply alone would not prove.
		probe := fmt.Sprintf("exec 3<>/dev/tcp/%s/2377", mgr)
		if _, err := sh("nsenter", "--net=/run/netns/"+h.Name, "timeout", "10", "bash", "-c", probe); err != nil {
			return fmt.Errorf("%s cannot reach the manager at %s:2377 across the bridge: %w", h.Name, mgr, err)
		}
		if neigh, err := sh("ip", "-n", h.Name, "neigh", "show", mgr); err != nil || !strings.Contains(neigh, "lladdr") {
			return fmt.Errorf("%s has no ARP entry for %s: %q, %v", h.Name, mgr, neigh, err)
		}
		if _, err := sh("docker", "-H", h.Socket, "swarm", "join", "--token", token,
			"--advertise-addr", h.Addr, "--listen-addr", h.Addr+":2377", mgr+":2377"); err != nil {
			return err
		}
	}
	return c.identify()
}

// identify reads each engine's swarm node ID and hostname, labels the
// workers with their engine's socket, and waits until every node is ready.
func (c *Cluster) identify() error {
	for _, h := range c.Hosts {
		args := []string{"info", "--format", "{{.Swarm.NodeID}} {{.Name}}"}
		if h.Socket != "" {
			args = append([]string{"-H", h.Socket}, args...)
		}
		out, err := sh("docker", args...)
		if err != nil {
			return err
		}
		h.NodeID, h.Name, _ = strings.Cut(out, " ")
		if h.Socket != "" {
			if _, err := dockerCmd("node", "update", "--label-add", EngineLabel+"="+h.Socket, h.NodeID); err != nil {
				return err
			}
		}
	}
	for range 600 {
		out, err := dockerCmd("node", "ls", "--format", "{{.Status}}")
		if err == nil && strings.Count(out, "Ready") == len(c.Hosts) {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("the swarm's nodes are not all ready after a minute")
}

// teardown undoes Swarm3: services first (their tasks on every host), the
// workers leave, the manager leaves, then the engines stop and everything
// the harness made on this machine goes.
func (c *Cluster) teardown(t testing.TB, keepBridge bool) {
	if ids, err := dockerCmd("service", "ls", "-q"); err == nil && ids != "" {
		_, _ = dockerCmd(append([]string{"service", "rm"}, strings.Fields(ids)...)...)
	}
	for _, h := range c.Workers() {
		if h.cmd == nil {
			continue
		}
		for range 120 { // a worker takes its tasks down a few seconds after their service went
			left, err := sh("docker", "-H", h.Socket, "ps", "-aq", "--filter", "label=com.docker.swarm.task.id")
			if err != nil || left == "" {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		_, _ = sh("docker", "-H", h.Socket, "swarm", "leave", "--force")
	}
	leaveSwarm(t, keepBridge)
	for _, h := range c.Workers() {
		if h.cmd != nil {
			stopProcess(h.cmd.Process.Pid)
		}
	}
	if err := removeCluster(); err != nil {
		t.Errorf("livetest: %v", err)
	}
}

// StopEngine stops a worker's engine, as a host that died: its swarm node
// goes down, and its tasks with it.
func (c *Cluster) StopEngine(h *Host) {
	if h.cmd != nil {
		stopProcess(h.cmd.Process.Pid)
		h.cmd = nil
	}
}

// stopProcess stops a dockerd: SIGTERM, which stops its containers, then
// SIGKILL after half a minute.
func stopProcess(pid int) {
	_ = syscall.Kill(pid, syscall.SIGTERM)
	for range 300 {
		if syscall.Kill(pid, 0) != nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
}

// sweepCluster removes what a multi-engine swarm of a run that died left:
// the local engine in the harness's swarm (told by its advertise
// address), engines still running from the harness's directories, and
// the namespaces, links, directories and firewall rule.
func sweepCluster(t testing.TB) {
	if addr, _ := dockerCmd("info", "--format", "{{.Swarm.NodeAddr}}"); addr == clusterNet+".1" {
		leaveSwarm(t, false)
	}
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), clusterPrefix+"*"))
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "docker.pid"))
		if err != nil {
			continue
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		if cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); pid > 0 && strings.Contains(string(cmdline), d) {
			stopProcess(pid)
		}
	}
	if err := removeCluster(); err != nil {
		t.Fatalf("livetest: sweep what a multi-engine swarm left: %v", err)
	}
}

// removeCluster removes every namespace, link, directory and firewall rule
// named with the harness's prefix. What is not there is not an error.
func removeCluster() error {
	var errs []error
	for {
		if _, err := sh("iptables", append([]string{"-D"}, firewallRule...)...); err != nil {
			break
		}
	}
	if out, err := sh("ip", "netns", "list"); err == nil {
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) > 0 && strings.HasPrefix(f[0], clusterPrefix) {
				if _, err := sh("ip", "netns", "del", f[0]); err != nil {
					errs = append(errs, err)
				}
			}
		}
	}
	if out, err := sh("ip", "-o", "link", "show"); err == nil {
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) > 1 && strings.HasPrefix(f[1], clusterPrefix) {
				name, _, _ := strings.Cut(strings.TrimSuffix(f[1], ":"), "@")
				// A veth goes with its peer's namespace: one listed may be
				// gone by now ("Cannot find", "No such device").
				_, err := sh("ip", "link", "del", name)
				if err != nil && !strings.Contains(err.Error(), "Cannot find") && !strings.Contains(err.Error(), "No such device") {
					errs = append(errs, err)
				}
			}
		}
	}
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), clusterPrefix+"*"))
	for _, d := range dirs {
		unmountUnder(d)
		if err := os.RemoveAll(d); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// unmountUnder detaches every mount below dir (an engine killed before it
// cleaned up leaves its namespaces' bind mounts in its exec root).
func unmountUnder(dir string) {
	b, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		return
	}
	lines := strings.Split(string(b), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if f := strings.Fields(lines[i]); len(f) > 1 && strings.HasPrefix(f[1], dir+"/") {
			_ = syscall.Unmount(f[1], syscall.MNT_DETACH)
		}
	}
}
