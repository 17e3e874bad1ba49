package orchestrator

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"

	"github.com/topo-dev/topo/agent"
	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/wiring"
	"github.com/topo-dev/topo/topology"
)

// What every node container is given. The agent needs nothing but its
// sockets and a place for its control socket; a user's own image gets the
// same place, writable by any user.
const (
	agentUser   = "65534:65534"
	agentRunDir = "rw,noexec,nosuid,size=1m,uid=65534,gid=65534"
	userRunDir  = "rw,nosuid,size=1m,mode=1777"
)

// SpecOptions say what the specs of a plan refer to.
type SpecOptions struct {
	Image string // the node image, for nodes that run topo's agent
	File  string // the topology file, for the topo.file label
	// Hash is the topology's Hash, for the topo.plan label; with it, each
	// resource is also labelled with hashes of the parts of the plan it is
	// made from (topo.spec), which an up of a changed file compares. ""
	// leaves both out.
	Hash string
	// Secret is the topology's master secret (secret.go). It goes into a
	// label on every network, never into a node's config: each node that
	// runs topo's agent gets its segments' keys, derived from it, and a
	// node that runs a user's own image gets nothing. Up makes a new one
	// for a new topology; "" (as in a compose export, a file anyone can
	// read) leaves the proof off.
	Secret string
	// ByName is for an engine that picks addresses (a swarm): each node's
	// config names its peers (wiring.Options.ByName), and each network
	// attachment carries the node's alias on it instead of an address.
	ByName bool
}

// Specs returns the networks and containers that make up a plan, in plan
// order, exactly as Up creates them. The compose export writes the same
// specs as a file, so the two cannot drift apart.
func Specs(plan *topology.Plan, opts SpecOptions) ([]engine.NetworkSpec, []engine.ContainerSpec, error) {
	labels := func(extra map[string]string) map[string]string {
		l := map[string]string{
			engine.LabelTopology: plan.Name,
			engine.LabelLayout:   string(plan.Layout),
			engine.LabelFile:     opts.File,
		}
		if opts.Hash != "" {
			l[engine.LabelPlan] = opts.Hash
		}
		maps.Copy(l, extra)
		return l
	}
	nets := make([]engine.NetworkSpec, len(plan.Segments))
	for i, s := range plan.Segments {
		netLabels := map[string]string{engine.LabelSegment: s.Name, engine.LabelOrder: strconv.Itoa(i)}
		if opts.Secret != "" {
			netLabels[engine.LabelSecret] = opts.Secret
		}
		nets[i] = engine.NetworkSpec{
			Name:    engine.NetworkName(plan.Name, s.Name),
			Subnet:  s.Subnet,
			Gateway: s.Gateway,
			Labels:  labels(netLabels),
			// Without routes, a segment must stand alone: a default route
			// to the host would reach every other segment whenever the
			// host's firewall lets it.
			Sealed: plan.Routing == topology.RoutingNone,
		}
	}
	var reach map[string]map[string]netip.Addr
	if plan.Routing != topology.RoutingNone {
		reach = plan.Reachable()
	}
	cons := make([]engine.ContainerSpec, len(plan.Nodes))
	for i, n := range plan.Nodes {
		c, err := containerSpec(plan, &plan.Nodes[i], opts, reach[n.Name])
		if err != nil {
			return nil, nil, err
		}
		c.Labels = labels(map[string]string{
			engine.LabelNode: n.Name, engine.LabelRole: n.Role, engine.LabelAgent: strconv.FormatBool(n.Image == ""), engine.LabelOrder: strconv.Itoa(i),
		})
		cons[i] = c
	}
	if opts.Hash != "" {
		labelParts(plan, nets, cons)
	}
	return nets, cons, nil
}

// containerSpec is one node's container, but for its labels. reach holds
// the address of every other node its traffic reaches (routing ip), for
// /etc/hosts; nil leaves the hosts file alone (routing none).
func containerSpec(plan *topology.Plan, n *topology.PlanNode, opts SpecOptions, reach map[string]netip.Addr) (engine.ContainerSpec, error) {
	cfg, err := wiring.NodeConfig(plan, n.Name, wiring.Options{Secret: opts.Secret, ByName: opts.ByName})
	if err != nil {
		return engine.ContainerSpec{}, err
	}
	js, err := json.Marshal(cfg)
	if err != nil {
		return engine.ContainerSpec{}, fmt.Errorf("node %s: config: %w", n.Name, err)
	}
	name := engine.ContainerName(plan.Name, n.Name)
	c := engine.ContainerSpec{
		Name:      name,
		Hostname:  name, // topology validation keeps it within a hostname's 63 characters
		Image:     opts.Image,
		Placement: slices.Clone(n.Placement),
	}
	for _, k := range slices.Sorted(maps.Keys(n.Env)) {
		if k != agent.ConfigEnv { // the config wins over a user's env
			c.Env = append(c.Env, k+"="+n.Env[k])
		}
	}
	c.Env = append(c.Env, agent.ConfigEnv+"="+string(js))
	if n.Image == "" {
		Harden(&c)
	} else {
		c.Image = n.Image
		c.Cmd = n.Command
		c.Tmpfs = map[string]string{agent.RunDir: userRunDir}
		if !n.Privileged {
			Confine(&c, n.Capabilities)
		}
	}
	for _, s := range plan.Segments {
		if a, ok := n.Addresses[s.Name]; ok {
			at := engine.NetworkAttachment{Network: engine.NetworkName(plan.Name, s.Name), IP: a}
			if opts.ByName {
				at = engine.NetworkAttachment{Network: at.Network, Aliases: []string{wiring.Alias(plan.Name, s.Name, n.Name)}}
			}
			c.Network = append(c.Network, at)
		}
	}
	if reach != nil {
		c.Sysctls = maps.Clone(routingSysctls)
		c.ExtraHosts = hosts(plan, reach)
	}
	return c, nil
}

// routingSysctls make a node a router that accepts what comes back another
// way: forwarding on, reverse-path filtering off (replies in a ring come in
// on the other link), and no ICMP redirects, which would tell a node to
// leave the layout's path for a shortcut on a shared segment.
var routingSysctls = map[string]string{
	"net.ipv4.ip_forward":                  "1",
	"net.ipv4.conf.all.rp_filter":          "0",
	"net.ipv4.conf.default.rp_filter":      "0",
	"net.ipv4.conf.all.send_redirects":     "0",
	"net.ipv4.conf.all.accept_redirects":   "0",
	"net.ipv4.conf.default.send_redirects": "0",
}

// hosts are the /etc/hosts entries of a node: every other node it reaches,
// by its name and by its container's name, at the address its traffic
// reaches along the layout.
func hosts(plan *topology.Plan, reach map[string]netip.Addr) []string {
	var out []string
	for _, m := range plan.Nodes {
		if a, ok := reach[m.Name]; ok {
			out = append(out, m.Name+":"+a.String(), engine.ContainerName(plan.Name, m.Name)+":"+a.String())
		}
	}
	return out
}

// Confine gives a user's own image least privilege that still lets common
// software run: its own user (often root, but root without capabilities),
// every capability dropped but those it names, no-new-privileges, and
// memory and pids limits larger than the agent's.
func Confine(c *engine.ContainerSpec, keep []string) {
	c.CapDrop = []string{"ALL"}
	c.CapAdd = slices.Clone(keep)
	c.NoNewPrivileges = true
	c.MemoryBytes = userMemory
	c.PidsLimit = userPids
}

// Harden gives a container the least privilege topo's agent runs with: a
// non-root user, a read-only root with a tmpfs for the control socket, no
// capabilities, no-new-privileges, and memory and pids caps.
func Harden(c *engine.ContainerSpec) {
	c.User = agentUser
	c.ReadOnlyRoot = true
	c.Tmpfs = map[string]string{agent.RunDir: agentRunDir}
	c.CapDrop = []string{"ALL"}
	c.NoNewPrivileges = true
	c.MemoryBytes = nodeMemory
	c.PidsLimit = nodePids
}
