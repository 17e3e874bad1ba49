// Package compose writes a topology's plan as a Docker Compose file that
// builds the same topology as `topo up`: the same networks with the same
// subnets and gateways, the same containers with the same names, addresses,
// node config, labels and least-privilege settings.
//
// Because the labels are the same, topo's own commands (status, send, logs,
// down) work on a topology started with docker-compose. Link impairments
// (delay, jitter, loss, rate) need nothing of compose: they travel in each
// node's config, and the agents apply them themselves, as under topo up.
// Whatever compose cannot express is refused with an error naming it,
// never exported as a different topology.
//
// The file targets docker-compose 1.29 and the compose file format 2.4,
// which has mem_limit, pids_limit, network names and IPAM gateways.
package compose

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/topo-dev/topo/engine"
	"github.com/topo-dev/topo/internal/nodeimage"
	"github.com/topo-dev/topo/orchestrator"
	"github.com/topo-dev/topo/topology"
)

// FileVersion is the compose file format the export writes.
const FileVersion = "2.4"

// Options adjust Export.
type Options struct {
	// File is the topology file as the topo.file label and the header name
	// it: best a path relative to the compose file, so that the export is
	// the same on every machine. Empty means plan.File.
	File string
	// PlanHash is the topology's Hash, written as the topo.plan label that
	// topo up uses to tell a changed file apart. Empty leaves it out.
	PlanHash string
	// Image is the image of the nodes that run topo's agent;
	// nodeimage.LatestTag (what `topo build` tags) when empty.
	Image string
}

// ErrUnsupported is wrapped by every error about something a compose file
// cannot express.
var ErrUnsupported = errors.New("cannot be expressed in a compose file")

// UnsupportedError names a feature of a topology that a compose file
// cannot express, and where the topology uses it.
type UnsupportedError struct {
	Feature string // e.g. `node name "serv er"`, with the rule it breaks
	Where   string // e.g. "topology lab"
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("compose export: %s on %s %v", e.Feature, e.Where, ErrUnsupported)
}

// Unwrap returns ErrUnsupported.
func (e *UnsupportedError) Unwrap() error { return ErrUnsupported }

// Export returns the compose file of a plan. The plan should come from
// topology.BuildPlan with default options, so that the same topology file
// always exports the same bytes. Every problem is reported at once, joined.
func Export(plan *topology.Plan, opts Options) ([]byte, error) {
	if plan == nil || len(plan.Nodes) == 0 {
		return nil, errors.New("compose export: empty plan")
	}
	if err := check(plan); err != nil {
		return nil, err
	}
	if opts.Image == "" {
		opts.Image = nodeimage.LatestTag
	}
	if opts.File == "" {
		opts.File = plan.File
	}
	nets, cons, err := orchestrator.Specs(plan, orchestrator.SpecOptions{Image: opts.Image, File: opts.File, Hash: opts.PlanHash})
	if err != nil {
		return nil, fmt.Errorf("compose export: %w", err)
	}
	// Services and networks are keyed by node and segment; attachments
	// name the segment's key.
	segKey := map[string]string{}
	networks := newMapping()
	for i, n := range nets {
		segKey[n.Name] = plan.Segments[i].Name
		networks.add(plan.Segments[i].Name, network(n))
	}
	services := newMapping()
	for i, c := range cons {
		services.add(plan.Nodes[i].Name, service(c, segKey))
	}
	// Each routed node's route helper runs once in its network namespace,
	// as under topo up, after the node has started.
	for _, n := range plan.Nodes {
		if h, ok := orchestrator.RouteHelper(plan, n.Name, opts.Image); ok {
			svc := mapping{service(h, segKey)}
			svc.str("network_mode", "service:"+n.Name)
			svc.add("depends_on", flowStrs(n.Name))
			services.add(n.Name+"-routes", svc.node())
		}
	}
	e := exporter{plan: plan, opts: opts}
	top := newMapping()
	top.str("version", FileVersion)
	top.add("services", services.node())
	top.add("networks", networks.node())

	doc := &yaml.Node{Kind: yaml.DocumentNode, HeadComment: e.header(), Content: []*yaml.Node{top.node()}}
	out, err := encode(doc)
	if err != nil {
		return nil, fmt.Errorf("compose export: %w", err)
	}
	return out, nil
}

// check refuses what compose cannot express: names compose would not take
// as service, network or container names. A plan built from a topology
// file never has such names (topology's names are [a-z0-9-]); a plan built
// in Go may.
func check(plan *topology.Plan) error {
	var errs []error
	for _, n := range plan.Nodes {
		if !composeName(n.Name) || !composeName(engine.ContainerName(plan.Name, n.Name)) {
			errs = append(errs, &UnsupportedError{Feature: fmt.Sprintf("node name %q (a compose service and container name is [a-zA-Z0-9][a-zA-Z0-9_.-]*)", n.Name), Where: "topology " + plan.Name})
		}
	}
	for _, s := range plan.Segments {
		if !composeName(s.Name) || !composeName(engine.NetworkName(plan.Name, s.Name)) {
			errs = append(errs, &UnsupportedError{Feature: fmt.Sprintf("segment name %q (a compose network name is [a-zA-Z0-9][a-zA-Z0-9_.-]*)", s.Name), Where: "topology " + plan.Name})
		}
	}
	return errors.Join(errs...)
}

// composeName reports whether s is a name docker-compose takes for a
// service, a network or a container.
func composeName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case i > 0 && (c == '_' || c == '.' || c == '-'):
		default:
			return false
		}
	}
	return true
}

type exporter struct {
	plan *topology.Plan
	opts Options
}

// service is the compose service of a container spec: what topo up would
// ask the engine for, field by field.
func service(c engine.ContainerSpec, segKey map[string]string) *yaml.Node {
	svc := newMapping()
	svc.str("image", c.Image)
	if len(c.Cmd) > 0 {
		svc.add("command", strs(c.Cmd...))
	}
	svc.str("container_name", c.Name)
	if c.Hostname != "" {
		svc.str("hostname", c.Hostname)
	}
	if c.User != "" {
		svc.str("user", c.User)
	}
	if c.ReadOnlyRoot {
		svc.add("read_only", boolean(true))
	}
	if len(c.Tmpfs) > 0 {
		var mounts []string
		for _, dir := range slices.Sorted(maps.Keys(c.Tmpfs)) {
			mounts = append(mounts, dir+":"+c.Tmpfs[dir])
		}
		svc.add("tmpfs", strs(mounts...))
	}
	if len(c.CapDrop) > 0 {
		svc.add("cap_drop", flowStrs(c.CapDrop...))
	}
	if len(c.CapAdd) > 0 {
		svc.add("cap_add", flowStrs(c.CapAdd...))
	}
	if c.NoNewPrivileges {
		svc.add("security_opt", flowStrs("no-new-privileges"))
	}
	if c.MemoryBytes > 0 {
		svc.add("mem_limit", integer(c.MemoryBytes))
	}
	if c.PidsLimit > 0 {
		svc.add("pids_limit", integer(c.PidsLimit))
	}
	if len(c.Sysctls) > 0 {
		svc.add("sysctls", stringMap(c.Sysctls))
	}
	logging := newMapping()
	logging.str("driver", "json-file")
	logging.add("options", stringMap(map[string]string{"max-size": engine.LogFileSize, "max-file": strconv.Itoa(engine.LogFiles)}))
	svc.add("logging", logging.node())
	if len(c.ExtraHosts) > 0 {
		svc.add("extra_hosts", strs(c.ExtraHosts...))
	}
	env := map[string]string{}
	for _, kv := range c.Env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	svc.add("environment", stringMap(env))
	svc.add("labels", stringMap(c.Labels))
	if c.JoinNetworkOf != "" {
		return svc.node() // network_mode is the caller's: it knows the service
	}
	nets := newMapping()
	for _, a := range c.Network {
		att := newMapping()
		att.str("ipv4_address", a.IP.String())
		nets.add(segKey[a.Network], att.node())
	}
	svc.add("networks", nets.node())
	return svc.node()
}

// network is the compose network of a network spec, named exactly as
// topo up names it.
func network(n engine.NetworkSpec) *yaml.Node {
	pool := newMapping()
	pool.str("subnet", n.Subnet.Masked().String())
	if n.Gateway.IsValid() {
		pool.str("gateway", n.Gateway.String())
	}
	ipam := newMapping()
	ipam.str("driver", "default")
	ipam.add("config", &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{pool.node()}})

	nw := newMapping()
	nw.str("name", n.Name)
	nw.str("driver", "bridge")
	if opts := n.BridgeOptions(); len(opts) > 0 {
		nw.add("driver_opts", stringMap(opts))
	}
	nw.add("ipam", ipam.node())
	nw.add("labels", stringMap(n.Labels))
	return nw.node()
}

// stringMap is a mapping of strings in key order.
func stringMap(m map[string]string) *yaml.Node {
	out := newMapping()
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out.str(k, m[k])
	}
	return out.node()
}

// header is the comment at the top of the file: where it comes from and how
// to run it.
func (e *exporter) header() string {
	p := e.plan
	var b strings.Builder
	line := func(format string, args ...any) {
		if format == "" {
			b.WriteString("#\n")
			return
		}
		fmt.Fprintf(&b, "# "+format+"\n", args...)
	}
	line("Docker Compose file of the topo topology %s", p.Name)
	if e.opts.File != "" {
		line("(%s), from %s.", p.Summary(), commentSafe(e.opts.File))
	} else {
		line("(%s).", p.Summary())
	}
	line("Made by `topo export compose`: export again rather than edit it.")
	line("")
	agents, own := 0, []string{}
	for _, n := range p.Nodes {
		if n.Image == "" {
			agents++
		} else if !slices.Contains(own, n.Image) {
			own = append(own, n.Image)
		}
	}
	if agents > 0 {
		line("The nodes run topo's agent from the image %s, built locally", commentSafe(e.opts.Image))
		line("and never pulled. Build it first, in a checkout of topo:")
		line("")
		line("  topo build                  (or: go run ./cmd/topo build)")
		line("")
	}
	if len(own) > 0 {
		line("These images of the topology's own must be present locally too:")
		line("")
		for _, im := range own {
			line("  %s", commentSafe(im))
		}
		line("")
	}
	line("Then, with docker-compose 1.29 (or `docker compose`):")
	line("")
	line("  docker-compose up -d        start it; the nodes wire themselves")
	line("  docker-compose logs         what the nodes did")
	line("  docker-compose down         remove its containers and networks")
	line("")
	line("topo sees it as one of its own, by its labels:")
	line("")
	line("  topo status %s", p.Name)
	line("  topo logs -t %s", p.Name)
	if from, to, ok := sendExample(p); ok {
		line("  topo send -t %s %s %s hello", p.Name, from, to)
	}
	line("  topo down %s", p.Name)
	line("")
	if p.Pool.IsValid() {
		line("The subnets are fixed, from the pool %s. If another network", p.Pool)
	} else {
		line("The subnets are fixed. If another network")
	}
	line("uses one by the time this file runs, export again: topo export")
	line("steers clear of the engine's networks (unless --offline).")
	return strings.TrimSuffix(b.String(), "\n")
}

// sendExample picks a message whose path shows the layout: from one leaf
// to the next through the hub or server, else from the first node to the
// last. Only nodes running topo's agent send and receive.
func sendExample(p *topology.Plan) (from, to string, ok bool) {
	centre := p.Layout == topology.Star || p.Layout == topology.ClientServer
	var leaves, agents []string
	for _, n := range p.Nodes {
		if n.Image != "" {
			continue
		}
		agents = append(agents, n.Name)
		if !centre || n.Role != topology.RoleHub && n.Role != topology.RoleServer {
			leaves = append(leaves, n.Name)
		}
	}
	switch {
	case len(leaves) >= 2:
		if centre {
			return leaves[0], leaves[1], true
		}
		return leaves[0], leaves[len(leaves)-1], true
	case len(agents) >= 2:
		return agents[0], agents[len(agents)-1], true
	}
	return "", "", false
}

// commentSafe keeps a value on its comment line.
func commentSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}
