package docker

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/docker/docker/api/types/network"
	"github.com/topo-dev/topo/engine"
)

// CreateNetwork creates a bridge network with one IPv4 subnet.
// ErrOverlap when the subnet overlaps a network that exists, ErrConflict
// when the name is taken.
func (c *Client) CreateNetwork(ctx context.Context, spec engine.NetworkSpec) (string, error) {
	op := fmt.Sprintf("create network %q", spec.Name)
	if !spec.Subnet.IsValid() {
		return "", fmt.Errorf("%s: no subnet given", op)
	}
	ipam := network.IPAMConfig{Subnet: spec.Subnet.Masked().String()}
	if spec.Gateway.IsValid() {
		ipam.Gateway = spec.Gateway.String()
	}
	ctx, cancel := c.call(ctx)
	defer cancel()
	resp, err := c.api.NetworkCreate(ctx, spec.Name, network.CreateOptions{
		Driver:  "bridge",
		IPAM:    &network.IPAM{Driver: "default", Config: []network.IPAMConfig{ipam}},
		Options: spec.BridgeOptions(),
		Labels:  spec.Labels,
	})
	if err != nil {
		return "", wrapAs(op, networkSentinel(err), err)
	}
	return resp.ID, nil
}

// networkReleaseWait is how long RemoveNetwork asks again while the engine
// still holds endpoints of removed containers.
const networkReleaseWait = 30 * time.Second

// RemoveNetwork removes a network by ID or name. ErrNotFound when it is
// gone, ErrConflict when containers are still attached.
func (c *Client) RemoveNetwork(ctx context.Context, id string) error {
	ctx, cancel := c.call(ctx)
	defer cancel()
	// A loaded engine releases the endpoints of containers it has just
	// removed a while later, the longer the more there were (seconds after
	// a hundred): "active endpoints" right after the last container went
	// is asked again, for up to networkReleaseWait, before it is an error.
	var err error
	deadline := time.Now().Add(networkReleaseWait)
	for wait := 100 * time.Millisecond; ; wait = min(2*wait, 2*time.Second) {
		err = c.api.NetworkRemove(ctx, id)
		if err == nil || sentinelFor(err) != nil || !containsFold(err.Error(), "active endpoints") {
			break
		}
		if time.Now().Add(wait).After(deadline) {
			return wrapAs(fmt.Sprintf("remove network %q", id), engine.ErrConflict, err)
		}
		select {
		case <-ctx.Done():
			return wrapAs(fmt.Sprintf("remove network %q", id), engine.ErrConflict, err)
		case <-time.After(wait):
		}
	}
	return wrap(fmt.Sprintf("remove network %q", id), err)
}

// ListNetworks lists networks carrying every label given; with none, every
// network (so that callers can see which subnets are taken).
func (c *Client) ListNetworks(ctx context.Context, labels map[string]string) ([]engine.NetworkInfo, error) {
	ctx, cancel := c.call(ctx)
	defer cancel()
	list, err := c.api.NetworkList(ctx, network.ListOptions{Filters: labelFilters(labels)})
	if err != nil {
		return nil, wrap("list networks", err)
	}
	out := make([]engine.NetworkInfo, 0, len(list))
	for _, n := range list {
		info := engine.NetworkInfo{ID: n.ID, Name: n.Name, Labels: n.Labels, Created: n.Created}
		for _, cfg := range n.IPAM.Config {
			if p, err := netip.ParsePrefix(cfg.Subnet); err == nil {
				info.Subnets = append(info.Subnets, p)
			}
		}
		out = append(out, info)
	}
	return out, nil
}
