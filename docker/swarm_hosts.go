package docker

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"sync"

	"github.com/docker/docker/api/types/swarm"
	"github.com/topo-dev/topo/engine"
)

// EngineLabel is the swarm node label that names the endpoint of that
// host's Docker engine, as DOCKER_HOST would ("tcp://10.0.0.2:2376",
// "unix:///run/docker.sock"): topo reaches a node's host through it to run
// the short-lived helpers that join the node's network namespace, to exec
// in it and to pause it. The manager that topo talks to needs no label.
// Set it with `docker node update --label-add topo.engine=ENDPOINT NODE`;
// the TLS settings of the environment (DOCKER_CERT_PATH, DOCKER_TLS_VERIFY)
// apply to every host.
const EngineLabel = "topo.engine"

// hostEngines are the clients of the other hosts' engines, opened once.
type hostEngines struct {
	mu      sync.Mutex
	opts    []Option
	clients map[string]*Client // by endpoint
}

func (h *hostEngines) client(ctx context.Context, endpoint string) (*Client, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c, ok := h.clients[endpoint]; ok {
		return c, nil
	}
	c, err := New(ctx, append(h.opts, WithHost(endpoint))...)
	if err != nil {
		return nil, err
	}
	if h.clients == nil {
		h.clients = map[string]*Client{}
	}
	h.clients[endpoint] = c
	return c, nil
}

func (h *hostEngines) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.clients {
		_ = c.Close()
	}
	h.clients = nil
}

// nodes lists the swarm's nodes (its hosts) by ID.
func (s *Swarm) nodes(ctx context.Context) (map[string]swarm.Node, error) {
	ns, err := s.c.api.NodeList(ctx, swarm.NodeListOptions{})
	if err != nil {
		return nil, wrap("list swarm nodes", err)
	}
	out := make(map[string]swarm.Node, len(ns))
	for _, n := range ns {
		out[n.ID] = n
	}
	return out, nil
}

// everyHostReached reports whether topo can reach the engine of every host
// of the swarm: its own, or one its node's EngineLabel names.
func (s *Swarm) everyHostReached(ctx context.Context) (bool, error) {
	cctx, cancel := s.c.call(ctx)
	defer cancel()
	nodes, err := s.nodes(cctx)
	if err != nil {
		return false, err
	}
	for id, n := range nodes {
		if id != s.nodeID && n.Spec.Labels[EngineLabel] == "" {
			return false, nil
		}
	}
	return true, nil
}

// taskHost finds the running task of a service (its ID or name) and
// returns the client of the engine that runs it and its container's ID
// there: the engine topo talks to, or the one its host's EngineLabel
// names. A host without the label is ErrUnsupported, with what to do.
func (s *Swarm) taskHost(ctx context.Context, id string) (*Client, string, error) {
	cctx, cancel := s.c.call(ctx)
	defer cancel()
	svc, _, err := s.c.api.ServiceInspectWithRaw(cctx, id, swarm.ServiceInspectOptions{})
	if err != nil {
		return nil, "", wrap(fmt.Sprintf("service %q", id), err)
	}
	tasks, err := s.tasks(cctx, []string{svc.ID})
	if err != nil {
		return nil, "", err
	}
	t := currentTask(tasks, svc.ID)
	if t == nil || t.Status.State != swarm.TaskStateRunning || t.Status.ContainerStatus == nil {
		return nil, "", fmt.Errorf("service %s: %w (it is %s)", svc.Spec.Name, errNoTask, taskContainerState(t))
	}
	cid := t.Status.ContainerStatus.ContainerID
	if t.NodeID == s.nodeID {
		return s.c, cid, nil
	}
	n, _, err := s.c.api.NodeInspectWithRaw(cctx, t.NodeID)
	if err != nil {
		return nil, "", wrap(fmt.Sprintf("swarm node %q", t.NodeID), err)
	}
	c, err := s.hostClient(ctx, n)
	if err != nil {
		return nil, "", fmt.Errorf("service %s: %w", svc.Spec.Name, err)
	}
	return c, cid, nil
}

// hostClient is the client of a swarm node's engine: the one topo talks
// to, or the one its EngineLabel names. A host without the label is
// ErrUnsupported, with what to do.
func (s *Swarm) hostClient(ctx context.Context, n swarm.Node) (*Client, error) {
	if n.ID == s.nodeID {
		return s.c, nil
	}
	host := n.Description.Hostname
	endpoint := n.Spec.Labels[EngineLabel]
	if endpoint == "" {
		return nil, fmt.Errorf("it runs on swarm host %s, whose engine topo cannot reach: label it with its engine's endpoint, "+
			"`docker node update --label-add %s=tcp://ADDRESS:2376 %s` (see docs/multi-host.md): %w", host, EngineLabel, host, engine.ErrUnsupported)
	}
	c, err := s.hosts.client(ctx, endpoint)
	if err != nil {
		return nil, fmt.Errorf("the engine of swarm host %s at %s: %w", host, endpoint, err)
	}
	return c, nil
}

// RunToCompletion runs a helper. One that joins a node's network namespace,
// or mounts its hosts file, runs on the engine of the node's host, next to
// the node's task (the file is on that host); the node image must be on
// every host, as it must for the node itself.
func (s *Swarm) RunToCompletion(ctx context.Context, spec engine.ContainerSpec, stdout, stderr io.Writer) (int, error) {
	node := spec.JoinNetworkOf
	if node == "" {
		node = spec.HostsOf
	}
	if node == "" {
		return s.c.RunToCompletion(ctx, spec, stdout, stderr)
	}
	if spec.HostsOf != "" && spec.HostsOf != node {
		return -1, fmt.Errorf("helper %q: the hosts file of %s and the network of %s may be on two hosts", spec.Name, spec.HostsOf, node)
	}
	c, cid, err := s.taskHost(ctx, node)
	if err != nil {
		return -1, fmt.Errorf("helper %q: %w", spec.Name, err)
	}
	if spec.JoinNetworkOf != "" {
		spec.JoinNetworkOf = cid
	}
	if spec.HostsOf != "" {
		spec.HostsOf = cid
	}
	return c.RunToCompletion(ctx, spec, stdout, stderr)
}

// RunStream runs a streaming helper (a packet capture) as RunToCompletion
// runs one: next to the node's task, on the engine of its host.
func (s *Swarm) RunStream(ctx context.Context, spec engine.ContainerSpec, stdout, stderr io.Writer) (int, error) {
	if spec.JoinNetworkOf == "" {
		return s.c.RunStream(ctx, spec, stdout, stderr)
	}
	c, cid, err := s.taskHost(ctx, spec.JoinNetworkOf)
	if err != nil {
		return -1, fmt.Errorf("helper %q: %w", spec.Name, err)
	}
	spec.JoinNetworkOf = cid
	return c.RunStream(ctx, spec, stdout, stderr)
}

// Exec runs a command in a node's task, through the engine of its host,
// so that input and a terminal work as they do on one engine.
func (s *Swarm) Exec(ctx context.Context, id string, cmd []string, stdout, stderr io.Writer, in ...engine.ExecInput) (int, error) {
	c, cid, err := s.taskHost(ctx, id)
	if err != nil {
		return -1, fmt.Errorf("exec %q in %q: %w", cmd, id, err)
	}
	return c.Exec(ctx, cid, cmd, stdout, stderr, in...)
}

// overlayMAC is the link-layer address Docker's overlay driver gives an
// endpoint that asked for none: 02:42 and the IPv4 address.
func overlayMAC(a netip.Addr) string {
	b := a.As4()
	return fmt.Sprintf("02:42:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3])
}
