package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/swarm"
	"github.com/topo-dev/topo/engine"
)

var (
	_ engine.Runtime = (*Swarm)(nil)
	_ engine.Capable = (*Swarm)(nil)
)

// Swarm implements engine.Runtime on the Docker Swarm that the engine it
// talks to manages: a segment is an overlay network, a node a service of
// one task, placed by Swarm. Images, exec and logs go through the same
// engine. It is safe for concurrent use.
type Swarm struct {
	c      *Client
	nodeID string // the swarm node of the engine we talk to
	hosts  *hostEngines
	// helpers: every host's engine is reachable (EngineLabel), so that a
	// helper can run next to any node.
	helpers bool
}

// NewSwarm connects like New and checks that the engine is a manager of
// an active swarm, which is what creates services and overlay networks.
func NewSwarm(ctx context.Context, opts ...Option) (*Swarm, error) {
	c, err := New(ctx, opts...)
	if err != nil {
		return nil, err
	}
	cctx, cancel := c.call(ctx)
	info, err := c.api.Info(cctx)
	cancel()
	if err != nil {
		_ = c.Close()
		return nil, wrap("swarm info", err)
	}
	if info.Swarm.LocalNodeState != swarm.LocalNodeStateActive || !info.Swarm.ControlAvailable {
		_ = c.Close()
		return nil, fmt.Errorf("--engine swarm: the Docker engine at %s is not a manager of an active swarm (it is %q); "+
			"run `docker swarm init` there (or point DOCKER_HOST at a manager), or use --engine docker", c.host, info.Swarm.LocalNodeState)
	}
	s := &Swarm{c: c, nodeID: info.Swarm.NodeID, hosts: &hostEngines{opts: opts}}
	if s.helpers, err = s.everyHostReached(ctx); err != nil {
		_ = c.Close()
		return nil, err
	}
	return s, nil
}

// Close releases the connections, to every host's engine.
func (s *Swarm) Close() error {
	s.hosts.close()
	return s.c.Close()
}

// Capabilities: Swarm picks addresses itself (services cannot have fixed
// ones), and its overlay networks do not carry broadcasts. It puts a
// helper into a node's network namespace on the node's host when it can
// reach every host's engine (EngineLabel), as on a single-node swarm.
func (s *Swarm) Capabilities() engine.Capabilities {
	return engine.Capabilities{Engine: "swarm", EngineAddrs: 1, NetnsHelpers: s.helpers}
}

// Ping checks that the engine answers.
func (s *Swarm) Ping(ctx context.Context) error { return s.c.Ping(ctx) }

// Images live on the engine we talk to. On a cluster of several hosts,
// each host needs the node image under the same tag (see the README).

// ImageExists reports whether the image is on the manager's engine.
func (s *Swarm) ImageExists(ctx context.Context, ref string) (bool, error) {
	return s.c.ImageExists(ctx, ref)
}

// BuildImage builds on the manager's engine.
func (s *Swarm) BuildImage(ctx context.Context, buildContext io.Reader, tags []string, labels map[string]string) error {
	return s.c.BuildImage(ctx, buildContext, tags, labels)
}

// RemoveImage removes an image from the manager's engine.
func (s *Swarm) RemoveImage(ctx context.Context, ref string) error { return s.c.RemoveImage(ctx, ref) }

// ListImages lists the manager's images.
func (s *Swarm) ListImages(ctx context.Context, labels map[string]string) ([]engine.ImageInfo, error) {
	return s.c.ListImages(ctx, labels)
}

// CreateNetwork creates an attachable overlay network with the spec's
// subnet. ErrOverlap and ErrConflict as for a bridge.
func (s *Swarm) CreateNetwork(ctx context.Context, spec engine.NetworkSpec) (string, error) {
	op := fmt.Sprintf("create overlay network %q", spec.Name)
	opts, err := overlayOptions(spec)
	if err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	ctx, cancel := s.c.call(ctx)
	defer cancel()
	resp, err := s.c.api.NetworkCreate(ctx, spec.Name, opts)
	if err != nil {
		return "", wrapAs(op, networkSentinel(err), err)
	}
	return resp.ID, nil
}

// RemoveNetwork removes a network and waits until this host has let go of
// it: Swarm removes an overlay from a host only once the containers of
// the tasks on it are gone (see RemoveContainer), and says it is removed
// before that.
func (s *Swarm) RemoveNetwork(ctx context.Context, id string) error {
	op := fmt.Sprintf("remove network %q", id)
	cctx, cancel := ctx, context.CancelFunc(func() {})
	if _, ok := ctx.Deadline(); !ok {
		cctx, cancel = context.WithTimeout(ctx, networkGoneWait)
	}
	defer cancel()
	removed := false
	return s.poll(cctx, op, func(ctx context.Context) (bool, error) {
		if !removed {
			// "in use by task": the task of a service just removed is
			// still recorded; asked again until it is not.
			err := s.c.api.NetworkRemove(ctx, id)
			if err != nil && (containsFold(err.Error(), "in use by task") || containsFold(err.Error(), "active endpoints")) {
				return false, nil
			}
			if err != nil {
				return false, wrap(op, err)
			}
			removed = true
		}
		_, err := s.c.api.NetworkInspect(ctx, id, network.InspectOptions{})
		if err != nil && sentinelFor(err) == engine.ErrNotFound {
			return true, nil
		}
		return false, wrap(op, err)
	})
}

// ListNetworks lists networks, overlay and local, as on one engine.
func (s *Swarm) ListNetworks(ctx context.Context, labels map[string]string) ([]engine.NetworkInfo, error) {
	return s.c.ListNetworks(ctx, labels)
}

// networkGoneWait bounds RemoveNetwork's wait for a host to let go of an
// overlay when the caller set no deadline: the tasks on it go first, and a
// host takes a while with many.
const networkGoneWait = 2 * time.Minute

// errNoTask is a service with no task running, for Exec.
var errNoTask = errors.New("no task running")
