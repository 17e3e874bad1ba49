package livetest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The harness's fixed names: a bridge, and per extra engine a network
// namespace, a veth pair and a directory. They are fixed, not random, so
// that a run that died is swept by the next one: only one multi-engine
// swarm exists at a time, under the swarm lock held exclusively.
const (
	clusterPrefix = "topomh"            // every name the harness makes starts with it
	clusterBridge = clusterPrefix + "0" // in the host's namespace, at clusterNet.1
	clusterNet    = "10.229.0"          // the bridge's /24; engine i is at .i+1
	// EngineLabel is the swarm node label that names a host's engine
	// endpoint (docker.EngineLabel; livetest does not import the engine's
	// internals).
	EngineLabel = "topo.engine"
)

// Host is one engine of a Cluster.
type Host struct {
	Name   string // the swarm node's hostname
	Addr   string // its address on the bridge: the swarm's advertise address
	Socket string // DOCKER_HOST of its engine ("" for the local engine)
	NodeID string // its swarm node ID
	dir    string // data root, exec root, socket, pidfile, config, log
	cmd    *exec.Cmd
}

// Cluster is a swarm of the local engine, its manager, and extra engines on
// this machine, each in its own network namespace and with its own data.
type Cluster struct {
	Hosts []*Host // Hosts[0] is the local engine
	// Took is how long the extra engines took to start and join.
	Took time.Duration
}

// Workers are the extra engines.
func (c *Cluster) Workers() []*Host { return c.Hosts[1:] }

// Swarm3 makes a swarm of three engines for t: the local engine inits it,
// advertising its address on a bridge, and two extra dockerd, each started
// inside its own network namespace with its own hostname, data root, exec
// root and socket (storage vfs, no iptables), join it as workers. Each
// worker's swarm node is labelled EngineLabel=its socket. Cleanup,
// registered before anything can fail, leaves the swarm on every engine,
// stops the extra engines and removes their data, the namespaces, the
// veths, the bridge and the firewall rule, even when t fails. It needs
// root, dockerd, nsenter, unshare and ip: without them t is skipped, or
// fails under CI=true. Call it first, so that its cleanup runs last.
func Swarm3(t testing.TB) *Cluster { return SwarmN(t, 2) }

// SwarmN is Swarm3 with workers extra engines.
func SwarmN(t testing.TB, workers int) *Cluster {
	t.Helper()
	Require(t)
	for _, tool := range []string{"docker", "dockerd", "nsenter", "unshare", "ip", "iptables"} {
		if _, err := exec.LookPath(tool); err != nil {
			refuseCluster(t, tool+" is needed: "+err.Error())
		}
	}
	if os.Geteuid() != 0 {
		refuseCluster(t, "root is needed to make network namespaces")
	}
	holdSwarmLock(t, false)
	sweepCluster(t) // what a run that died left, the local engine in its swarm too
	state, err := dockerCmd("info", "--format", "{{.Swarm.LocalNodeState}}")
	if err != nil {
		t.Fatalf("livetest: docker info: %v", err)
	}
	if state != "inactive" {
		refuseCluster(t, "the local engine is in swarm state "+state+"; a multi-engine swarm is made only from an engine outside any swarm")
	}
	start := time.Now()
	c := &Cluster{Hosts: []*Host{{Addr: clusterNet + ".1"}}}
	for i := 1; i <= workers; i++ {
		name := fmt.Sprintf("%s%d", clusterPrefix, i)
		dir := filepath.Join(os.TempDir(), name)
		c.Hosts = append(c.Hosts, &Host{Name: name, Addr: fmt.Sprintf("%s.%d", clusterNet, i+1),
			Socket: "unix://" + filepath.Join(dir, "docker.sock"), dir: dir})
	}
	_, hadBridge := dockerCmd("network", "inspect", "docker_gwbridge")
	t.Cleanup(func() { c.teardown(t, hadBridge == nil) })
	if err := c.wire(); err != nil {
		t.Fatalf("livetest: %v", err)
	}
	for _, h := range c.Workers() {
		if err := h.startEngine(); err != nil {
			t.Fatalf("livetest: %v", err)
		}
	}
	if err := c.form(); err != nil {
		t.Fatalf("livetest: %v", err)
	}
	c.Took = time.Since(start)
	t.Logf("livetest: %d extra engines started and joined the swarm in %v", workers, c.Took.Round(time.Millisecond))
	return c
}

// refuseCluster skips t, or fails it under CI=true.
func refuseCluster(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("livetest: a multi-engine swarm is needed in CI (CI=true): %s", why)
	}
	t.Skipf("livetest: no multi-engine swarm, test skipped: %s", why)
}

// sh runs a command and returns its trimmed output; its error carries
// what the command printed.
func sh(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return strings.TrimSpace(string(out)), nil
}

// firewallRule lets frames across the bridge through the host's FORWARD
// chain, whose policy may be DROP (bridged frames pass it when
// br_netfilter is loaded).
var firewallRule = []string{"FORWARD", "-i", clusterBridge, "-o", clusterBridge, "-j", "ACCEPT", "-m", "comment", "--comment", clusterPrefix}

// wire makes the bridge, the firewall rule, and each worker's namespace
// with a veth into the bridge, and checks that each reaches the bridge's
// address.
func (c *Cluster) wire() error {
	steps := [][]string{
		{"ip", "link", "add", clusterBridge, "type", "bridge"},
		{"ip", "addr", "add", c.Hosts[0].Addr + "/24", "dev", clusterBridge},
		{"ip", "link", "set", clusterBridge, "up"},
		append([]string{"iptables", "-I"}, firewallRule...),
	}
	for _, h := range c.Workers() {
		ns, host, peer := h.Name, h.Name+"h", h.Name+"n"
		steps = append(steps,
			[]string{"ip", "netns", "add", ns},
			[]string{"ip", "link", "add", host, "type", "veth", "peer", "name", peer},
			[]string{"ip", "link", "set", host, "master", clusterBridge, "up"},
			[]string{"ip", "link", "set", peer, "netns", ns},
			[]string{"ip", "-n", ns, "addr", "add", h.Addr + "/24", "dev", peer},
			[]string{"ip", "-n", ns, "link", "set", peer, "up"},
			[]string{"ip", "-n", ns, "link", "set", "lo", "up"},
		)
	}
	for _, s := range steps {
		if _, err := sh(s[0], s[1:]...); err != nil {
			return fmt.Errorf("wire the engines: %w", err)
		}
	}
	return nil
}

// LoadImages copies images from the local engine into every worker's, by
// `docker save | docker load`: there is no registry to pull from, and
// Swarm runs a task only where its image is. It fails t when one cannot be.
func (c *Cluster) LoadImages(t testing.TB, refs ...string) {
	t.Helper()
	start := time.Now()
	for _, h := range c.Workers() {
		save := exec.Command("docker", append([]string{"save"}, refs...)...)
		load := exec.Command("docker", "-H", h.Socket, "load", "-q")
		pipe, err := save.StdoutPipe()
		if err != nil {
			t.Fatalf("livetest: %v", err)
		}
		load.Stdin = pipe
		var saveErr strings.Builder
		save.Stderr = &saveErr
		if err := save.Start(); err != nil {
			t.Fatalf("livetest: docker save: %v", err)
		}
		out, lerr := load.CombinedOutput()
		serr := save.Wait()
		if serr != nil || lerr != nil {
			t.Fatalf("livetest: load %v into %s: save: %v %s; load: %v %s", refs, h.Name, serr, saveErr.String(), lerr, out)
		}
	}
	t.Logf("livetest: %v loaded into %d engines in %v", refs, len(c.Workers()), time.Since(start).Round(time.Millisecond))
}

// waitWorkerTask waits until a worker's engine runs a container of the
// service.
func waitWorkerTask(t testing.TB, h *Host, service string) {
	t.Helper()
	for range 600 {
		out, err := sh("docker", "-H", h.Socket, "ps", "-q", "--filter", "label=com.docker.swarm.service.name="+service)
		if err == nil && out != "" {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	ps, _ := dockerCmd("service", "ps", "--no-trunc", service)
	t.Fatalf("no task of %s runs on %s after a minute: %s", service, h.Name, ps)
}

// WaitWorkersEmpty waits until no worker engine has a container left (a
// worker takes a task's container down some seconds after its service
// went), and fails t naming what is left after a minute.
func (c *Cluster) WaitWorkersEmpty(t testing.TB) {
	t.Helper()
	var left []string
	for range 120 {
		left = left[:0]
		for _, h := range c.Workers() {
			if h.cmd == nil {
				continue // stopped: its data root goes with the cluster
			}
			if out, err := sh("docker", "-H", h.Socket, "ps", "-a", "--format", "{{.Names}}"); err != nil || out != "" {
				left = append(left, fmt.Sprintf("%s: %q %v", h.Name, out, err))
			}
		}
		if len(left) == 0 {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Errorf("left on the workers' engines after a minute: %v", left)
}
