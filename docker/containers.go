package docker

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/topo-dev/topo/engine"
)

// containerConfig translates a spec into the engine's three create structs.
// It is pure, so that the mapping of every field can be unit-tested.
func containerConfig(spec engine.ContainerSpec) (*container.Config, *container.HostConfig, *network.NetworkingConfig) {
	hostname := spec.Hostname
	if hostname == "" {
		hostname = spec.Name
	}
	if len(hostname) > 63 {
		hostname = hostname[:63]
	}
	cfg := &container.Config{
		Hostname: hostname,
		Image:    spec.Image,
		Cmd:      spec.Cmd,
		Env:      spec.Env,
		Labels:   spec.Labels,
		User:     spec.User,
	}
	host := &container.HostConfig{
		NetworkMode:    "none",
		ReadonlyRootfs: spec.ReadOnlyRoot,
		Tmpfs:          spec.Tmpfs,
		CapDrop:        spec.CapDrop,
		CapAdd:         spec.CapAdd,
	}
	host.Memory = spec.MemoryBytes
	if spec.PidsLimit > 0 {
		limit := spec.PidsLimit
		host.PidsLimit = &limit
	}
	if spec.NoNewPrivileges {
		host.SecurityOpt = []string{"no-new-privileges"}
	}
	host.Sysctls = spec.Sysctls
	host.ExtraHosts = spec.ExtraHosts
	host.LogConfig = logLimit
	if spec.JoinNetworkOf != "" {
		host.NetworkMode = container.NetworkMode("container:" + spec.JoinNetworkOf)
		cfg.Hostname = "" // a container on another's network has its hostname
	}
	var netCfg *network.NetworkingConfig
	if len(spec.Network) > 0 {
		first := spec.Network[0]
		host.NetworkMode = container.NetworkMode(first.Network)
		netCfg = &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
			first.Network: endpoint(first.IP),
		}}
	}
	return cfg, host, netCfg
}

func endpoint(ip netip.Addr) *network.EndpointSettings {
	if !ip.IsValid() {
		return &network.EndpointSettings{}
	}
	return &network.EndpointSettings{IPAMConfig: &network.EndpointIPAMConfig{IPv4Address: ip.String()}}
}

// CreateContainer creates a container on every network of the spec, each at
// its fixed address, without starting it. The first network is given at
// create (API 1.41 takes only one); the others are connected before it
// returns. Anything failing after create removes the half-made container.
// logLimit caps what the engine keeps of a container's log (see
// engine.LogFiles): Docker's json-file driver keeps everything by default.
var logLimit = container.LogConfig{Type: "json-file",
	Config: map[string]string{"max-size": engine.LogFileSize, "max-file": strconv.Itoa(engine.LogFiles)}}

func (c *Client) CreateContainer(ctx context.Context, spec engine.ContainerSpec) (string, error) {
	op := fmt.Sprintf("create container %q", spec.Name)
	// The engine checks networks connected to a created container only
	// when it starts; check them now so that errors name the spec.
	if err := c.checkAttachments(ctx, op, spec.Network); err != nil {
		return "", err
	}
	cfg, host, netCfg := containerConfig(spec)
	cctx, cancel := c.call(ctx)
	resp, err := c.api.ContainerCreate(cctx, cfg, host, netCfg, nil, spec.Name)
	cancel()
	if err != nil {
		if cerrdefs.IsNotFound(err) && containsFold(err.Error(), "no such image") {
			return "", wrapAs(fmt.Sprintf("%s: image %q", op, spec.Image), engine.ErrNotFound, err)
		}
		return "", wrap(op, err)
	}
	for _, att := range spec.Network[min(1, len(spec.Network)):] {
		cctx, cancel := c.call(ctx)
		err := c.api.NetworkConnect(cctx, att.Network, resp.ID, endpoint(att.IP))
		cancel()
		if err != nil {
			err = wrap(fmt.Sprintf("%s: connect network %q at %s", op, att.Network, att.IP), err)
			if rmErr := c.RemoveContainer(ctx, resp.ID); rmErr != nil {
				c.log.Warn("remove half-made container", "container", spec.Name, "err", rmErr)
			}
			return "", err
		}
	}
	return resp.ID, nil
}

// checkAttachments checks that every network exists, appears once, and
// contains the address asked for on it.
func (c *Client) checkAttachments(ctx context.Context, op string, atts []engine.NetworkAttachment) error {
	seen := map[string]bool{}
	for _, att := range atts {
		if seen[att.Network] {
			return fmt.Errorf("%s: network %q given twice", op, att.Network)
		}
		seen[att.Network] = true
		cctx, cancel := c.call(ctx)
		n, err := c.api.NetworkInspect(cctx, att.Network, network.InspectOptions{})
		cancel()
		if err != nil {
			return wrap(fmt.Sprintf("%s: network %q", op, att.Network), err)
		}
		if !att.IP.IsValid() {
			continue
		}
		var subnets []string
		for _, cfg := range n.IPAM.Config {
			p, err := netip.ParsePrefix(cfg.Subnet)
			if err == nil && p.Contains(att.IP) {
				subnets = nil
				break
			}
			subnets = append(subnets, cfg.Subnet)
		}
		if len(subnets) > 0 {
			return fmt.Errorf("%s: address %s is outside network %q (%s)", op, att.IP, att.Network, strings.Join(subnets, ", "))
		}
	}
	return nil
}

// StartContainer starts a created container.
func (c *Client) StartContainer(ctx context.Context, id string) error {
	// Starting joins the container's networks: see uncut.
	ctx, cancel := c.uncut(ctx)
	defer cancel()
	return wrap(fmt.Sprintf("start container %q", id), c.api.ContainerStart(ctx, id, container.StartOptions{}))
}

// RemoveContainer kills and removes a container with its anonymous volumes.
func (c *Client) RemoveContainer(ctx context.Context, id string) error {
	// Removing leaves the container's networks: see uncut. So it also runs
	// when ctx has already ended, as cleanup after a failure must.
	ctx, cancel := c.uncut(ctx)
	defer cancel()
	op := fmt.Sprintf("remove container %q", id)
	err := c.api.ContainerRemove(ctx, id, container.RemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && containsFold(err.Error(), "already in progress") && c.waitGone(ctx, id) {
		// Someone else removed it (a helper that removes itself as it
		// exits): it is gone, as asked.
		return wrapAs(op, engine.ErrNotFound, err)
	}
	return wrap(op, err)
}

// waitGone waits, up to 5 s, for a container that is being removed to be
// gone, and reports whether it is.
func (c *Client) waitGone(ctx context.Context, id string) bool {
	for range 50 {
		if _, err := c.api.ContainerInspect(ctx, id); err != nil && sentinelFor(err) == engine.ErrNotFound {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(100 * time.Millisecond):
		}
	}
	return false
}

// ListContainers lists containers, running or not, carrying every label given.
func (c *Client) ListContainers(ctx context.Context, labels map[string]string) ([]engine.ContainerInfo, error) {
	return c.listContainers(ctx, "list containers", labelFilters(labels))
}

// ContainerByName returns the container with exactly that name.
func (c *Client) ContainerByName(ctx context.Context, name string) (engine.ContainerInfo, error) {
	name = strings.TrimPrefix(name, "/")
	op := fmt.Sprintf("container %q", name)
	// The engine's name filter matches a substring (as a regexp), so it
	// narrows the list and the exact match is made here.
	list, err := c.listContainers(ctx, op, filters.NewArgs(filters.Arg("name", name)))
	if err != nil {
		return engine.ContainerInfo{}, err
	}
	for _, ci := range list {
		if ci.Name == name {
			return c.withConfig(ctx, op, ci)
		}
	}
	return engine.ContainerInfo{}, fmt.Errorf("%s: %w", op, engine.ErrNotFound)
}

func (c *Client) listContainers(ctx context.Context, op string, f filters.Args) ([]engine.ContainerInfo, error) {
	ctx, cancel := c.call(ctx)
	defer cancel()
	list, err := c.api.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		return nil, wrap(op, err)
	}
	out := make([]engine.ContainerInfo, 0, len(list))
	for _, s := range list {
		out = append(out, containerInfo(s))
	}
	return out, nil
}

// containerInfo converts a list entry. A container that was never started
// has no address yet, so the configured one stands in for it.
func containerInfo(s container.Summary) engine.ContainerInfo {
	ci := engine.ContainerInfo{
		ID:       s.ID,
		Image:    s.Image,
		State:    string(s.State),
		Labels:   s.Labels,
		Created:  time.Unix(s.Created, 0),
		Networks: map[string]netip.Addr{},
	}
	if len(s.Names) > 0 {
		ci.Name = strings.TrimPrefix(s.Names[0], "/")
	}
	if s.NetworkSettings != nil {
		for name, ep := range s.NetworkSettings.Networks {
			if ep == nil {
				continue
			}
			ip := ep.IPAddress
			if ip == "" && ep.IPAMConfig != nil {
				ip = ep.IPAMConfig.IPv4Address
			}
			if a, err := netip.ParseAddr(ip); err == nil {
				ci.Networks[name] = a
			}
		}
	}
	return ci
}

// withConfig adds the container's environment and command, which only an
// inspection reports.
func (c *Client) withConfig(ctx context.Context, op string, ci engine.ContainerInfo) (engine.ContainerInfo, error) {
	ctx, cancel := c.call(ctx)
	defer cancel()
	full, err := c.api.ContainerInspect(ctx, ci.ID)
	if err != nil {
		return engine.ContainerInfo{}, wrap(op, err)
	}
	if full.Config != nil {
		ci.Env, ci.Cmd = full.Config.Env, full.Config.Cmd
	}
	if full.State != nil {
		ci.ExitCode, ci.OOMKilled = full.State.ExitCode, full.State.OOMKilled
	}
	if full.HostConfig != nil {
		ci.ExtraHosts = full.HostConfig.ExtraHosts
	}
	if full.NetworkSettings != nil {
		ci.MACs = map[string]string{}
		for name, ep := range full.NetworkSettings.Networks {
			if ep != nil && ep.MacAddress != "" {
				ci.MACs[name] = ep.MacAddress
			}
		}
	}
	return ci, nil
}
