package docker

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/swarm"
	"github.com/topo-dev/topo/engine"
)

// serviceSpec translates a container spec into a one-task Swarm service,
// field by field; replicas is 0 for a service created but not started. It
// is pure, so that the mapping can be unit-tested. What a service cannot
// be (one in another container's network namespace) is an error wrapping
// engine.ErrUnsupported.
func serviceSpec(spec engine.ContainerSpec, replicas uint64) (swarm.ServiceSpec, error) {
	if spec.JoinNetworkOf != "" {
		return swarm.ServiceSpec{}, fmt.Errorf("service %q: a swarm service cannot join another container's network namespace: %w", spec.Name, engine.ErrUnsupported)
	}
	cs := &swarm.ContainerSpec{
		Image:          spec.Image, // the local tag as is: a digest would make the engine look for it in a registry
		Labels:         spec.Labels,
		Args:           spec.Cmd, // Command would replace the image's entrypoint
		Hostname:       spec.Hostname,
		Env:            spec.Env,
		User:           spec.User,
		ReadOnly:       spec.ReadOnlyRoot,
		Sysctls:        spec.Sysctls,
		CapabilityDrop: spec.CapDrop,
		CapabilityAdd:  spec.CapAdd,
		Hosts:          swarmHosts(spec.ExtraHosts),
		Mounts:         tmpfsMounts(spec.Tmpfs),
	}
	if spec.NoNewPrivileges {
		// Honoured from API 1.46; an older engine drops it (the README says so).
		cs.Privileges = &swarm.Privileges{NoNewPrivileges: true}
	}
	res := &swarm.ResourceRequirements{Limits: &swarm.Limit{MemoryBytes: spec.MemoryBytes, Pids: spec.PidsLimit}}
	tt := swarm.TaskSpec{
		ContainerSpec: cs,
		Resources:     res,
		// A node that exits stays exited, as a container does: Swarm
		// would otherwise start a new one, at another address.
		RestartPolicy: &swarm.RestartPolicy{Condition: swarm.RestartPolicyConditionNone},
		LogDriver:     &swarm.Driver{Name: logLimit.Type, Options: logLimit.Config},
	}
	if len(spec.Placement) > 0 {
		tt.Placement = &swarm.Placement{Constraints: spec.Placement}
	}
	for _, at := range spec.Network {
		if at.IP.IsValid() {
			return swarm.ServiceSpec{}, fmt.Errorf("service %q: network %q: a swarm service cannot have a fixed address (%s); name it by an alias: %w",
				spec.Name, at.Network, at.IP, engine.ErrUnsupported)
		}
		tt.Networks = append(tt.Networks, swarm.NetworkAttachmentConfig{Target: at.Network, Aliases: at.Aliases})
	}
	return swarm.ServiceSpec{
		Annotations:  swarm.Annotations{Name: spec.Name, Labels: spec.Labels},
		TaskTemplate: tt,
		Mode:         swarm.ServiceMode{Replicated: &swarm.ReplicatedService{Replicas: &replicas}},
		// dnsrr: a name resolves to the task's own address, not to a
		// virtual IP in front of it, so that a peer's address is the one
		// its frames come from.
		EndpointSpec: &swarm.EndpointSpec{Mode: swarm.ResolutionModeDNSRR},
	}, nil
}

// swarmHosts turns "name:address" entries into the hosts(5) lines Swarm takes.
func swarmHosts(extra []string) []string {
	var out []string
	for _, h := range extra {
		if name, addr, ok := strings.Cut(h, ":"); ok {
			out = append(out, addr+" "+name)
		}
	}
	return out
}

// tmpfsMounts turns "rw,noexec,size=1m,uid=..,gid=.." tmpfs options into
// Swarm mounts. Before API 1.46 a service's tmpfs takes only a size and a
// mode, so it is made writable by all (sticky) in place of owned by uid.
func tmpfsMounts(tmpfs map[string]string) []mount.Mount {
	var out []mount.Mount
	for _, target := range slices.Sorted(maps.Keys(tmpfs)) {
		opts := &mount.TmpfsOptions{Mode: os.ModeSticky | 0o777}
		for _, o := range strings.Split(tmpfs[target], ",") {
			if v, ok := strings.CutPrefix(o, "size="); ok {
				opts.SizeBytes = sizeBytes(v)
			}
		}
		out = append(out, mount.Mount{Type: mount.TypeTmpfs, Target: target, TmpfsOptions: opts})
	}
	return out
}

// sizeBytes reads a tmpfs size like 1m, 64k or 1048576; 0 if it cannot.
func sizeBytes(s string) int64 {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "k"):
		mult, s = 1<<10, strings.TrimSuffix(s, "k")
	case strings.HasSuffix(s, "m"):
		mult, s = 1<<20, strings.TrimSuffix(s, "m")
	case strings.HasSuffix(s, "g"):
		mult, s = 1<<30, strings.TrimSuffix(s, "g")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0
	}
	return n * mult
}

// overlayOptions translates a network spec into a swarm-scoped overlay
// network: attachable, so that a plain container (a probe, a debugging
// shell) can join a segment.
func overlayOptions(spec engine.NetworkSpec) (network.CreateOptions, error) {
	if !spec.Subnet.IsValid() {
		return network.CreateOptions{}, errors.New("no subnet given")
	}
	ipam := network.IPAMConfig{Subnet: spec.Subnet.Masked().String()}
	if spec.Gateway.IsValid() {
		ipam.Gateway = spec.Gateway.String()
	}
	return network.CreateOptions{
		Driver:     "overlay",
		Scope:      "swarm",
		Attachable: true,
		IPAM:       &network.IPAM{Driver: "default", Config: []network.IPAMConfig{ipam}},
		Labels:     spec.Labels,
	}, nil
}
